//! What a client tells the host about its work: log lines through the host's own sink,
//! and counters since the client was made. Both are fed only from [`super::exchange`]
//! and the transport, on the thread doing the exchange, never under a library lock.
//!
//! The counters are relaxed atomics: a request touches a handful of them once each,
//! which costs nothing measurable next to the exchange, and no thread ever waits on
//! another to count.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use super::error::ErrorKind;

/// How much a log sink hears: a level and everything more severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// A request that failed.
    Error = 1,
    /// A retry (why, and the wait).
    Warn = 2,
    /// One line per completed request.
    Info = 3,
    /// Connections opened, reused and discarded.
    Debug = 4,
}

impl LogLevel {
    /// The level numbered `n` (1 = Error … 4 = Debug).
    pub fn from_number(n: u32) -> Option<LogLevel> {
        [
            LogLevel::Error,
            LogLevel::Warn,
            LogLevel::Info,
            LogLevel::Debug,
        ]
        .into_iter()
        .find(|l| *l as u32 == n)
    }
}

/// Receives one line per event. Called on the thread doing the exchange; must be
/// thread-safe and quick.
pub type LogSink = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// A sink and the most verbose level it wants.
#[derive(Clone)]
pub struct Logger {
    pub(crate) max_level: LogLevel,
    pub(crate) sink: LogSink,
}

impl Logger {
    pub fn new(max_level: LogLevel, sink: LogSink) -> Logger {
        Logger { max_level, sink }
    }
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger")
            .field("max_level", &self.max_level)
            .finish_non_exhaustive()
    }
}

/// Why a connection was closed instead of pooled or reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Discard {
    /// Bytes of (or after) the last answer were waiting: reusing it would read them.
    LeftoverBytes,
    /// A 204/304 announced a body that HTTP framing does not let us read.
    BodyAfterNoContent,
    /// The pool's probe found it closed or holding bytes while it was idle.
    Stale,
    /// Closed after its exchange instead of being pooled: the exchange failed, or the
    /// answer asked for the close.
    Closed,
    /// The request on it was cancelled.
    Cancelled,
    /// Opened by another process (inherited across `fork()`).
    Fork,
}

impl Discard {
    fn word(self) -> &'static str {
        match self {
            Discard::LeftoverBytes => "leftover_bytes",
            Discard::BodyAfterNoContent => "body_after_no_content",
            Discard::Stale => "stale",
            Discard::Closed => "closed",
            Discard::Cancelled => "cancelled",
            Discard::Fork => "fork",
        }
    }
}

/// A connection event, for DEBUG lines and the `connections` counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnEvent {
    Opened,
    Reused,
    Discarded(Discard),
}

/// Latency buckets: powers of two of microseconds, 1 µs … about 2.3 hours.
const BUCKETS: usize = 34;

/// The log sink and the counters of one client, shared by its threads and queues.
#[derive(Debug)]
pub(crate) struct Observer {
    logger: Option<Logger>,
    requests: AtomicU64,
    attempts: AtomicU64,
    in_flight: AtomicU64,
    /// Indexed by result code (0 = OK).
    outcomes: [AtomicU64; ErrorKind::COUNT + 1],
    opened: AtomicU64,
    reused: AtomicU64,
    discarded: AtomicU64,
    latency: [AtomicU64; BUCKETS],
    latency_max_us: AtomicU64,
}

impl Default for Observer {
    fn default() -> Observer {
        Observer::new(None)
    }
}

impl Observer {
    pub(crate) fn new(logger: Option<Logger>) -> Observer {
        let zero = |_| AtomicU64::new(0);
        Observer {
            logger,
            requests: AtomicU64::new(0),
            attempts: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            outcomes: std::array::from_fn(zero),
            opened: AtomicU64::new(0),
            reused: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
            latency: std::array::from_fn(zero),
            latency_max_us: AtomicU64::new(0),
        }
    }

    /// Whether a line at `level` would be heard: callers skip formatting otherwise.
    pub(crate) fn hears(&self, level: LogLevel) -> bool {
        self.logger.as_ref().is_some_and(|l| level <= l.max_level)
    }

    /// Log a line, unless its request was abandoned with a freed queue.
    pub(crate) fn log(&self, level: LogLevel, line: impl FnOnce() -> String) {
        if super::cancel::abandoned() {
            return;
        }
        if let Some(logger) = self.logger.as_ref().filter(|l| level <= l.max_level) {
            (logger.sink)(level, &line());
        }
    }

    /// Count a connection an attempt set out to open (the connect may still fail).
    pub(crate) fn count_opened(&self) {
        self.opened.fetch_add(1, Relaxed);
    }

    /// Count a connection event (cheap; safe under any lock). Openings are counted by
    /// [`Observer::count_opened`], when they start.
    pub(crate) fn count_connection(&self, event: ConnEvent) {
        match event {
            ConnEvent::Opened => {}
            ConnEvent::Reused => {
                self.reused.fetch_add(1, Relaxed);
            }
            ConnEvent::Discarded(_) => {
                self.discarded.fetch_add(1, Relaxed);
            }
        }
    }

    /// Log a connection event (runs the host's callback: never under a lock).
    pub(crate) fn log_connection(&self, event: ConnEvent, peer: &str) {
        self.log(LogLevel::Debug, || match event {
            ConnEvent::Opened => format!("event=connection opened peer={peer}"),
            ConnEvent::Reused => format!("event=connection reused peer={peer}"),
            ConnEvent::Discarded(why) => {
                format!(
                    "event=connection discarded reason={} peer={peer}",
                    why.word()
                )
            }
        });
    }

    pub(crate) fn request_started(&self) {
        self.in_flight.fetch_add(1, Relaxed);
    }

    /// A request that sent something has completed, with `code` (0 = OK) after
    /// `attempts` attempts in `elapsed`.
    pub(crate) fn request_completed(&self, code: u32, attempts: u32, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.requests.fetch_add(1, Relaxed);
        self.attempts.fetch_add(attempts.into(), Relaxed);
        if let Some(counter) = self.outcomes.get(code as usize) {
            counter.fetch_add(1, Relaxed);
        }
        self.latency[bucket(micros)].fetch_add(1, Relaxed);
        self.latency_max_us.fetch_max(micros, Relaxed);
        self.in_flight.fetch_sub(1, Relaxed);
    }

    /// A request that started but sent nothing (refused before sending): it is not
    /// counted, so only its place in `in_flight` is given back.
    pub(crate) fn request_abandoned(&self) {
        self.in_flight.fetch_sub(1, Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let load = |a: &AtomicU64| a.load(Relaxed);
        let requests = load(&self.requests);
        let attempts = load(&self.attempts);
        let histogram: Vec<u64> = self.latency.iter().map(load).collect();
        let max = load(&self.latency_max_us);
        let quantile = |q: f64| quantile(&histogram, q).min(max);
        Stats {
            requests,
            attempts,
            retries: attempts.saturating_sub(requests),
            in_flight: load(&self.in_flight),
            outcomes: self
                .outcomes
                .iter()
                .enumerate()
                .filter_map(|(code, n)| Some((code as u32, load(n))).filter(|(_, n)| *n > 0))
                .collect(),
            connections_opened: load(&self.opened),
            connections_reused: load(&self.reused),
            connections_discarded: load(&self.discarded),
            latency_p50_us: quantile(0.50),
            latency_p90_us: quantile(0.90),
            latency_p99_us: quantile(0.99),
            latency_max_us: max,
        }
    }
}

fn bucket(micros: u64) -> usize {
    // Bucket i holds [2^(i-1), 2^i) µs; 0 holds 0 µs.
    ((u64::BITS - micros.leading_zeros()) as usize).min(BUCKETS - 1)
}

/// The upper edge of the bucket holding the `q` quantile: an estimate that never
/// understates (the caller caps it at the true maximum).
fn quantile(histogram: &[u64], q: f64) -> u64 {
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return 0;
    }
    let rank = ((total as f64) * q).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (i, n) in histogram.iter().enumerate() {
        seen += n;
        if seen >= rank {
            return if i == 0 { 0 } else { (1u64 << i) - 1 };
        }
    }
    u64::MAX
}

/// Counters of one client since it was made (see [`super::Client::stats`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stats {
    /// Requests that sent something and completed.
    pub requests: u64,
    /// HTTP attempts of those requests.
    pub attempts: u64,
    /// `attempts - requests`.
    pub retries: u64,
    /// Requests under way now.
    pub in_flight: u64,
    /// Completed requests by result code (0 = OK); only codes that occurred.
    pub outcomes: BTreeMap<u32, u64>,
    pub connections_opened: u64,
    pub connections_reused: u64,
    pub connections_discarded: u64,
    /// Latency of completed requests, failures included (0 before any): estimates from
    /// a power-of-two histogram, never above the maximum.
    pub latency_p50_us: u64,
    pub latency_p90_us: u64,
    pub latency_p99_us: u64,
    pub latency_max_us: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_come_from_the_histogram_and_never_pass_the_maximum() {
        let o = Observer::default();
        for us in [100u64, 200, 300, 400, 5_000] {
            o.request_started();
            o.request_completed(0, 1, Duration::from_micros(us));
        }
        let s = o.snapshot();
        assert_eq!(s.requests, 5);
        assert_eq!(s.in_flight, 0);
        assert_eq!(s.latency_max_us, 5_000);
        assert!(s.latency_p50_us >= 300 && s.latency_p50_us < 512, "{s:?}");
        assert_eq!(s.latency_p99_us, 5_000);
        assert_eq!(Observer::default().snapshot().latency_p99_us, 0);
    }

    #[test]
    fn levels_are_numbered_as_the_abi_says() {
        assert_eq!(LogLevel::from_number(1), Some(LogLevel::Error));
        assert_eq!(LogLevel::from_number(4), Some(LogLevel::Debug));
        assert_eq!(LogLevel::from_number(0), None);
        assert_eq!(LogLevel::from_number(5), None);
    }
}
