//! Server state: calls and their streams, fault counters, the request log and counters.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use serde::Serialize;

use crate::timefmt::{format_seconds, format_utc};

/// Parameters a stream was started with.
#[derive(Clone, Debug)]
pub struct StreamParams {
    pub service_url: String,
    pub bidirectional: bool,
    pub audio_track: String,
    pub status_callback_url: Option<String>,
    // Validated and kept, but not part of the stream object the API answers.
    #[allow(dead_code)]
    pub stream_timeout: u64,
    #[allow(dead_code)]
    pub content_type: String,
    #[allow(dead_code)]
    pub status_callback_method: String,
    #[allow(dead_code)]
    pub extra_headers: Option<String>,
    #[allow(dead_code)]
    pub cx_bot: Option<bool>,
}

impl Default for StreamParams {
    /// The API's defaults (the one place they are written), and the service URL of a
    /// seeded stream.
    fn default() -> Self {
        StreamParams {
            service_url: "wss://example.invalid/seed".to_string(),
            bidirectional: false,
            audio_track: "inbound".to_string(),
            stream_timeout: 86_400,
            status_callback_url: None,
            status_callback_method: "POST".to_string(),
            content_type: "audio/x-l16;rate=8000".to_string(),
            extra_headers: None,
            cx_bot: None,
        }
    }
}

/// One audio stream of a call.
#[derive(Clone, Debug)]
pub struct StoredStream {
    pub id: String,
    pub params: StreamParams,
    pub created_at: SystemTime,
    pub end_time: Option<SystemTime>,
}

impl StoredStream {
    pub fn new(id: String, params: StreamParams) -> Self {
        StoredStream {
            id,
            params,
            created_at: SystemTime::now(),
            end_time: None,
        }
    }

    pub fn is_active(&self) -> bool {
        self.end_time.is_none()
    }

    /// The JSON object the API answers for this stream (`api_id` only when given):
    /// exactly the members Plivo's answers and SDK models show.
    pub fn view<'a>(
        &'a self,
        auth_id: &'a str,
        call_uuid: &'a str,
        api_id: Option<String>,
    ) -> StreamView<'a> {
        let bill_duration = match self.end_time {
            Some(end) => end
                .duration_since(self.created_at)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            None => 0,
        };
        // Billed by the started minute once the stream has ended (the docs' example:
        // 21 s -> 60 s, "0.00300").
        let rounded = if self.end_time.is_some() {
            bill_duration.div_ceil(60).max(1) * 60
        } else {
            0
        };
        let minutes = rounded / 60;
        StreamView {
            api_id,
            audio_track: &self.params.audio_track,
            bidirectional: self.params.bidirectional,
            bill_duration,
            billed_amount: format!(
                "{}.{:05}",
                minutes * PRICE_PER_MINUTE_1E5 / 100_000,
                minutes * PRICE_PER_MINUTE_1E5 % 100_000
            ),
            call_uuid,
            created_at: format_utc(self.created_at),
            end_time: self.end_time.map(format_seconds),
            plivo_auth_id: auth_id,
            resource_uri: format!("/v1/Account/{auth_id}/Call/{call_uuid}/Stream/{}/", self.id),
            rounded_bill_duration: rounded,
            service_url: &self.params.service_url,
            start_time: format_seconds(self.created_at),
            status: if self.is_active() {
                STATUS_ACTIVE
            } else {
                STATUS_STOPPED
            },
            status_callback_url: self.params.status_callback_url.as_deref().unwrap_or(""),
            stream_id: &self.id,
        }
    }
}

/// `status` of a stream that runs, and of one that has ended (the evidence shows only
/// `initiated`; see `--help`).
pub const STATUS_ACTIVE: &str = "In-Progress";
pub const STATUS_STOPPED: &str = "Stopped";
/// Price of a started minute, in 1e-5 USD (the docs' example bills 60 s at 0.00300).
const PRICE_PER_MINUTE_1E5: u64 = 300;

/// Serialized form of a stream (see `StoredStream::view`), members in Plivo's order.
#[derive(Serialize)]
pub struct StreamView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_id: Option<String>,
    pub audio_track: &'a str,
    pub bidirectional: bool,
    pub bill_duration: u64,
    pub billed_amount: String,
    pub call_uuid: &'a str,
    pub created_at: String,
    pub end_time: Option<String>,
    pub plivo_auth_id: &'a str,
    pub resource_uri: String,
    pub rounded_bill_duration: u64,
    pub service_url: &'a str,
    pub start_time: String,
    pub status: &'static str,
    pub status_callback_url: &'a str,
    pub stream_id: &'a str,
}

/// A call: its streams in creation order, with an index by id.
#[derive(Default, Debug)]
pub struct Call {
    pub streams: Vec<StoredStream>,
    index: HashMap<String, usize>,
}

impl Call {
    pub fn get(&self, id: &str) -> Option<&StoredStream> {
        self.index.get(id).map(|&i| &self.streams[i])
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut StoredStream> {
        self.index.get(id).map(|&i| &mut self.streams[i])
    }

    /// True when an active stream of this call streams to `service_url`.
    pub fn has_active_at(&self, service_url: &str) -> bool {
        self.streams
            .iter()
            .any(|s| s.is_active() && s.params.service_url == service_url)
    }

    /// Adds a new active stream, or makes an existing one active again.
    pub fn upsert(&mut self, id: &str, params: StreamParams) {
        match self.index.get(id) {
            Some(&i) => self.streams[i] = StoredStream::new(id.to_string(), params),
            None => {
                self.index.insert(id.to_string(), self.streams.len());
                self.streams.push(StoredStream::new(id.to_string(), params));
            }
        }
    }
}

/// One entry of the request log served at `/__admin/requests/`.
#[derive(Serialize, Clone, Debug)]
pub struct RecordedRequest {
    pub seq: u64,
    pub conn: u64,
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub user_agent: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

/// An answer queued through `/__admin/replies/`: sent verbatim to the next API request.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// Everything shared between connections.
pub struct State {
    pub auth_id: String,
    auth_token: String,
    pub verbose: bool,
    /// Added before every answer under /v1/ (`--latency-ms`): a WAN round trip.
    pub latency: std::time::Duration,
    record_limit: usize,
    calls: Mutex<HashMap<String, Call>>,
    fault_counters: Mutex<HashMap<String, u64>>,
    canned: Mutex<VecDeque<Canned>>,
    recorded: Mutex<VecDeque<RecordedRequest>>,
    connections: AtomicU64,
    requests: AtomicU64,
}

/// Locks a mutex, ignoring poisoning (a panicking handler must not take the server down).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl State {
    pub fn new(auth_id: String, auth_token: String, verbose: bool, record_limit: usize) -> Self {
        State {
            auth_id,
            auth_token,
            verbose,
            latency: std::time::Duration::ZERO,
            record_limit,
            calls: Mutex::new(HashMap::new()),
            fault_counters: Mutex::new(HashMap::new()),
            canned: Mutex::new(VecDeque::new()),
            recorded: Mutex::new(VecDeque::new()),
            connections: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }
    }

    /// True when `user`/`password` are the configured credentials.
    pub fn credentials_match(&self, user: &[u8], password: &[u8]) -> bool {
        user == self.auth_id.as_bytes() && password == self.auth_token.as_bytes()
    }

    pub fn calls(&self) -> MutexGuard<'_, HashMap<String, Call>> {
        lock(&self.calls)
    }

    /// Creates `call_uuid` if needed and makes each of `streams` active with default parameters.
    pub fn seed(&self, call_uuid: &str, streams: &[String]) {
        let mut calls = self.calls();
        let call = calls.entry(call_uuid.to_string()).or_default();
        for s in streams {
            call.upsert(s, StreamParams::default());
        }
    }

    /// Forgets every call and fault counter.
    pub fn reset_calls(&self) {
        self.calls().clear();
        lock(&self.fault_counters).clear();
    }

    /// Queues an answer for the next API request that passes authentication.
    pub fn push_canned(&self, canned: Canned) {
        lock(&self.canned).push_back(canned);
    }

    /// The oldest queued answer, if any (taking it off the queue).
    pub fn take_canned(&self) -> Option<Canned> {
        lock(&self.canned).pop_front()
    }

    /// Forgets every queued answer.
    pub fn clear_canned(&self) {
        lock(&self.canned).clear();
    }

    /// Counts one more request for a fault call; returns the new count (1 for the first).
    pub fn bump_fault_counter(&self, call_uuid: &str) -> u64 {
        let mut counters = lock(&self.fault_counters);
        let n = counters.entry(call_uuid.to_string()).or_insert(0);
        *n += 1;
        *n
    }

    /// Numbers a newly accepted connection (from 1).
    pub fn next_connection(&self) -> u64 {
        self.connections.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Counts a /v1/ request and records it for `/__admin/requests/` (bounded: oldest dropped).
    pub fn record(&self, mut entry: RecordedRequest) {
        if self.record_limit == 0 {
            self.requests.fetch_add(1, Ordering::Relaxed);
            return;
        }
        // Numbered under the lock so the record is in `seq` order.
        let mut recorded = lock(&self.recorded);
        entry.seq = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if recorded.len() >= self.record_limit {
            recorded.pop_front();
        }
        recorded.push_back(entry);
    }

    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.recorded).iter().cloned().collect()
    }

    pub fn clear_recorded(&self) {
        lock(&self.recorded).clear();
    }
}
