//! Test support: starts the bundled server (`plivo-server`, built by
//! `cargo test --workspace` or `cargo build -p plivo-server`) on an ephemeral loopback
//! port, talks to its admin endpoints, and wraps the C ABI for terse tests.
#![allow(dead_code)]

pub mod net;

use std::ffi::{c_char, CStr, CString};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use plivo::ffi::*;
use serde_json::Value;

pub const AUTH_ID: &str = "MATEST0000000000000001";
pub const AUTH_TOKEN: &str = "tok-Secret-4242-zz";

/// The server binary: `PLIVO_SERVER_BIN`, else next to this test's target directory.
pub fn server_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("PLIVO_SERVER_BIN") {
        return path.into();
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir");
    let bin = dir.join("plivo-server");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p plivo-server` or `cargo test --workspace`",
        bin.display()
    );
    bin
}

/// A running bundled server, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT/v1/`
    pub base_url: String,
    /// `http://127.0.0.1:PORT`
    pub root: String,
}

impl Server {
    /// Start with the test account and these seeds (`CALL:STREAM,STREAM`).
    pub fn start(seeds: &[&str]) -> Server {
        let args: Vec<&str> = seeds.iter().flat_map(|seed| ["--seed", seed]).collect();
        Server::start_with(&args)
    }

    /// Start with the test account and these further arguments.
    pub fn start_with(args: &[&str]) -> Server {
        let mut cmd = Command::new(server_bin());
        cmd.args(["--auth-id", AUTH_ID, "--auth-token", AUTH_TOKEN]);
        cmd.args(args);
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start plivo-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("server prints its base URL");
        let base_url = line.trim().to_owned();
        assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url:?}");
        let root = base_url.trim_end_matches("/v1/").to_owned();
        Server {
            child,
            base_url,
            root,
        }
    }

    /// Every request the server received under /v1/, in order.
    pub fn requests(&self) -> Vec<Value> {
        let body: Value = ureq::get(format!("{}/__admin/requests/", self.root))
            .call()
            .expect("admin requests")
            .body_mut()
            .read_to_string()
            .map(|t| serde_json::from_str(&t).expect("admin JSON"))
            .expect("admin body");
        body["requests"].as_array().cloned().unwrap_or_default()
    }

    /// Add active streams to a call (creating it).
    /// Queues `body` as the verbatim answer (with `status`) to the next API request.
    pub fn queue_reply(&self, status: u16, body: &str) {
        ureq::post(format!("{}/__admin/replies/", self.root))
            .header("Content-Type", "application/json")
            .send(serde_json::json!({ "status": status, "body": body }).to_string())
            .expect("queue a reply");
    }

    pub fn add_streams(&self, call: &str, streams: &[String]) {
        ureq::post(format!("{}/__admin/calls/", self.root))
            .header("Content-Type", "application/json")
            .send(serde_json::json!({ "call_uuid": call, "streams": streams }).to_string())
            .expect("admin add streams");
    }

    /// A client of the C ABI pointed at this server.
    pub fn client(&self) -> TestClient {
        self.client_with(|_| {})
    }

    /// A client with options set by `configure` (base URL already set).
    pub fn client_with(&self, configure: impl FnOnce(*mut PlivoOptions)) -> TestClient {
        client_at(&self.base_url, configure)
    }

    /// Stops stream "s" of `call` through a client configured by `configure`, checks
    /// that the stop timed out, and returns how long it took.
    #[track_caller]
    pub fn timed_out_stop(
        &self,
        configure: impl FnOnce(*mut PlivoOptions),
        call: &str,
    ) -> Duration {
        let client = self.client_with(configure);
        let (code, elapsed) = timed(|| client.stop(call, "s"));
        assert_eq!(
            code,
            PlivoCode::PLIVO_ERR_TIMEOUT,
            "{call} after {elapsed:?}"
        );
        elapsed
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An owned `PlivoClient`, freed on drop. Shareable between threads like the C type.
pub struct TestClient(pub *mut PlivoClient);
unsafe impl Send for TestClient {}
unsafe impl Sync for TestClient {}

impl TestClient {
    pub fn stop(&self, call: &str, stream: &str) -> PlivoCode {
        let (c, s) = (cstr(call), cstr(stream));
        plivo_stop_stream(self.0, c.as_ptr(), s.as_ptr())
    }

    /// Stops `stream` of `call` and checks that it succeeded (showing the last error if
    /// not).
    #[track_caller]
    pub fn assert_stops(&self, call: &str, stream: &str) {
        assert_eq!(
            self.stop(call, stream),
            PlivoCode::PLIVO_OK,
            "{:?}",
            last_error()
        );
    }
}

impl Drop for TestClient {
    fn drop(&mut self) {
        plivo_client_free(self.0);
    }
}

/// A client of the C ABI with the test credentials, this base URL, and options set by
/// `configure`.
pub fn client_at(base_url: &str, configure: impl FnOnce(*mut PlivoOptions)) -> TestClient {
    let options = plivo_options_new();
    let url = cstr(base_url);
    assert_eq!(
        plivo_options_set_base_url(options, url.as_ptr()),
        PlivoCode::PLIVO_OK
    );
    configure(options);
    let (id, token) = (cstr(AUTH_ID), cstr(AUTH_TOKEN));
    let client = plivo_client_new_with_options(id.as_ptr(), token.as_ptr(), options);
    plivo_options_free(options);
    assert!(!client.is_null(), "client: {:?}", last_error());
    TestClient(client)
}

/// For `client_with` / `client_at`: a client that retries a failed attempt at most
/// `max_retries` times.
pub fn max_retries(max_retries: u32) -> impl FnOnce(*mut PlivoOptions) {
    move |o| {
        assert_eq!(
            plivo_options_set_max_retries(o, max_retries),
            PlivoCode::PLIVO_OK
        )
    }
}

/// For `client_with` / `client_at`: a client whose every call ends within `timeout_ms`.
pub fn timeout_ms(timeout_ms: u32) -> impl FnOnce(*mut PlivoOptions) {
    move |o| {
        assert_eq!(
            plivo_options_set_timeout_ms(o, timeout_ms),
            PlivoCode::PLIVO_OK
        )
    }
}

/// For `client_with` / `client_at`: both a deadline and a number of retries.
pub fn timeout_and_retries(ms: u32, retries: u32) -> impl FnOnce(*mut PlivoOptions) {
    move |o| {
        timeout_ms(ms)(o);
        max_retries(retries)(o);
    }
}

/// What `f` returned, and how long it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let result = f();
    (result, started.elapsed())
}

/// How many of these logged requests (`Server::requests`) went to `call`: its attempts.
pub fn attempts_for(requests: &[Value], call: &str) -> u32 {
    let needle = format!("/Call/{call}/");
    requests
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.contains(&needle)))
        .count() as u32
}

/// A loopback port nobody listens on (bound, read, closed): connects are refused.
pub fn refused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("an ephemeral loopback port")
        .port()
}

pub fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in test strings")
}

/// Copy a borrowed C string (NULL → None).
pub fn text(ptr: *const c_char) -> Option<String> {
    (!ptr.is_null()).then(|| {
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned()
    })
}

/// Take ownership of a string returned through `char **`.
pub fn take(ptr: *mut c_char) -> Option<String> {
    let s = text(ptr);
    plivo_string_free(ptr);
    s
}

pub fn last_error() -> Option<String> {
    text(plivo_last_error())
}

pub fn last_api_id() -> Option<String> {
    text(plivo_last_api_id())
}

/// Unique ids for one test.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
