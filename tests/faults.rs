//! The fault matrix: every fault mode of the bundled server, through the C ABI, for the
//! operations where the difference matters. For each case: the result code, the HTTP
//! status, the number of attempts the server saw, an upper bound on the elapsed time
//! (deadline + margin) and that the message never carries the auth token.
//!
//! `cargo test --test faults -- --nocapture` prints the matrix as a markdown table; it
//! is also written to `target/fault-matrix.md`.
//!
//! Also here: keep-alive hygiene after a 204 with a body and after a connection spoiled
//! while idle, answers slower than one read slice, the 20 MiB body cap (time and
//! memory), redirects not followed, `Retry-After`, connect refused and connect timeout.

mod common;

use std::ffi::c_char;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use common::*;
use plivo::ffi::*;
use PlivoCode::*;

/// Deadline of every matrix call.
const TIMEOUT_MS: u32 = 1500;
/// Retries of every matrix call.
const RETRIES: u32 = 2;
/// Slack on top of the deadline for the elapsed-time bound.
const MARGIN: Duration = Duration::from_millis(1500);
const SERVICE_URL: &str = "wss://example.com/audio";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `plivo_stop_stream` (DELETE one)
    Stop,
    /// `plivo_stop_all_streams` (DELETE all)
    StopAll,
    /// `plivo_get_stream` (GET one, body must be a JSON object)
    Get,
    /// `plivo_list_streams` (GET list, body must be a JSON object)
    List,
    /// `plivo_start_stream` without `stream_id_out` (POST)
    Start,
    /// `plivo_start_stream` with `stream_id_out` (POST, needs `stream_id`)
    StartId,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Stop => "stop",
            Op::StopAll => "stop_all",
            Op::Get => "get",
            Op::List => "list",
            Op::Start => "start",
            Op::StartId => "start (id out)",
        }
    }

    /// The operation name the message must start with (after the function prefix).
    fn in_message(self) -> &'static str {
        match self {
            Op::Stop => "stop_stream(",
            Op::StopAll => "stop_all_streams(",
            Op::Get => "get_stream(",
            Op::List => "list_streams(",
            Op::Start | Op::StartId => "start_stream(",
        }
    }
}

struct Case {
    mode: &'static str,
    op: Op,
    code: PlivoCode,
    status: i32,
    attempts: u32,
    /// Lower bound on the elapsed time, for cases that must wait (stall, Retry-After).
    min: Duration,
    note: &'static str,
}

fn case(mode: &'static str, op: Op, code: PlivoCode, status: i32, attempts: u32) -> Case {
    Case {
        mode,
        op,
        code,
        status,
        attempts,
        min: Duration::ZERO,
        note: "",
    }
}

impl Case {
    fn at_least_ms(mut self, ms: u64) -> Case {
        self.min = Duration::from_millis(ms);
        self
    }
    fn note(mut self, note: &'static str) -> Case {
        self.note = note;
        self
    }
}

/// The expected behaviour (ABI.md) with timeout 1500 ms and max_retries 2.
fn matrix() -> Vec<Case> {
    use Op::*;
    let one = |mode, code, status| case(mode, Stop, code, status, 1);
    // One attempt that ends at the deadline, not before it.
    let timed_out =
        |mode, op, status| case(mode, op, PLIVO_ERR_TIMEOUT, status, 1).at_least_ms(1400);
    vec![
        // Transient server errors: DELETE/GET retried, POST not (the stream may exist).
        case("500once", Stop, PLIVO_OK, 204, 2).note("retried"),
        case("502once", Stop, PLIVO_OK, 204, 2).note("retried"),
        case("503once", Stop, PLIVO_OK, 204, 2).note("retried"),
        case("503once", StopAll, PLIVO_OK, 204, 2).note("retried"),
        case("503once", Get, PLIVO_OK, 200, 2).note("retried"),
        case("500once", List, PLIVO_OK, 200, 2).note("retried"),
        case("500once", Start, PLIVO_ERR_SERVER, 500, 1).note("POST not retried on 5xx"),
        case("502once", Start, PLIVO_ERR_SERVER, 502, 1).note("POST not retried on 5xx"),
        case("503once", StartId, PLIVO_ERR_SERVER, 503, 1).note("POST not retried on 5xx"),
        case("503always", Stop, PLIVO_ERR_SERVER, 503, 3).note("1 + max_retries"),
        case("503always", StopAll, PLIVO_ERR_SERVER, 503, 3).note("1 + max_retries"),
        case("503always", Get, PLIVO_ERR_SERVER, 503, 3).note("1 + max_retries"),
        case("503always", Start, PLIVO_ERR_SERVER, 503, 1).note("POST not retried on 5xx"),
        // Rate limits: retried for every method.
        case("429once", Stop, PLIVO_OK, 204, 2).note("retried"),
        case("429once", StartId, PLIVO_OK, 202, 2).note("POST retried on 429"),
        case("429", Stop, PLIVO_ERR_RATE_LIMITED, 429, 3).note("1 + max_retries"),
        case("429", List, PLIVO_ERR_RATE_LIMITED, 429, 3).note("1 + max_retries"),
        case("429", Start, PLIVO_ERR_RATE_LIMITED, 429, 3).note("POST retried on 429"),
        case("429ra", Stop, PLIVO_ERR_RATE_LIMITED, 429, 2)
            .at_least_ms(950)
            .note("waits Retry-After: 1 s once; the 2nd wait would pass the deadline"),
        case("429ra", Start, PLIVO_ERR_RATE_LIMITED, 429, 2)
            .at_least_ms(950)
            .note("as for stop"),
        // Status codes.
        one("status200", PLIVO_OK, 200).note("any 2xx"),
        one("status301", PLIVO_ERR_HTTP, 301).note("redirects never followed"),
        one("status302", PLIVO_ERR_HTTP, 302).note("redirects never followed"),
        one("status304", PLIVO_ERR_HTTP, 304),
        one("status400", PLIVO_ERR_BAD_REQUEST, 400),
        one("status401", PLIVO_ERR_AUTHENTICATION, 401),
        one("status403", PLIVO_ERR_AUTHENTICATION, 403),
        one("status404", PLIVO_ERR_NOT_FOUND, 404),
        one("status405", PLIVO_ERR_HTTP, 405),
        one("status410", PLIVO_ERR_HTTP, 410),
        one("status418", PLIVO_ERR_HTTP, 418),
        case("status500", Stop, PLIVO_ERR_SERVER, 500, 3).note("1 + max_retries"),
        case("status504", Stop, PLIVO_ERR_SERVER, 504, 3).note("1 + max_retries"),
        case("status504", Start, PLIVO_ERR_SERVER, 504, 1).note("POST not retried on 5xx"),
        case("status200", StartId, PLIVO_ERR_INVALID_RESPONSE, 200, 1)
            .note("2xx without stream_id"),
        case("status304", List, PLIVO_ERR_HTTP, 304, 1),
        // Slow servers: the deadline holds.
        timed_out("stall", Stop, 0).note("deadline"),
        timed_out("stall", Get, 0).note("deadline"),
        timed_out("stall", Start, 0).note("deadline"),
        timed_out("drip", Stop, 400).note("deadline in the body; status line was received"),
        timed_out("drip", List, 400),
        // Odd answers.
        one("redirect", PLIVO_ERR_HTTP, 302).note("Location not followed"),
        case("redirect", Get, PLIVO_ERR_HTTP, 302, 1).note("Location not followed"),
        one("nonjson", PLIVO_ERR_BAD_REQUEST, 400).note("HTML error body"),
        case("nonjson500", Stop, PLIVO_ERR_SERVER, 500, 3).note("HTML error body, retried"),
        case("nonjson500", Start, PLIVO_ERR_SERVER, 500, 1),
        one("noapiid", PLIVO_ERR_BAD_REQUEST, 400).note("api_id NULL"),
        one("huge", PLIVO_ERR_INVALID_RESPONSE, 200).note("20 MiB body refused (1 MiB cap)"),
        one("hugechunked", PLIVO_ERR_INVALID_RESPONSE, 200).note("20 MiB chunked refused"),
        case("huge", Get, PLIVO_ERR_INVALID_RESPONSE, 200, 1),
        case("hugechunked", List, PLIVO_ERR_INVALID_RESPONSE, 200, 1),
        one("badjson200", PLIVO_OK, 200).note("stop needs no body"),
        case("badjson200", Get, PLIVO_ERR_INVALID_RESPONSE, 200, 1).note("body needed"),
        case("badjson200", List, PLIVO_ERR_INVALID_RESPONSE, 200, 1).note("body needed"),
        case("badjson200", Start, PLIVO_OK, 200, 1).note("no stream_id wanted"),
        case("badjson200", StartId, PLIVO_ERR_INVALID_RESPONSE, 200, 1).note("stream_id wanted"),
        // Broken connections and bytes: never retried (the request reached the server).
        one("reset", PLIVO_ERR_TRANSPORT, 0).note("TCP RST, not retried"),
        case("reset", Get, PLIVO_ERR_TRANSPORT, 0, 1),
        case("reset", Start, PLIVO_ERR_TRANSPORT, 0, 1),
        one("closeheaders", PLIVO_ERR_TRANSPORT, 0).note("closed in the headers"),
        one("closebody", PLIVO_ERR_TRANSPORT, 400).note("closed in the body"),
        one("shortbody", PLIVO_ERR_TRANSPORT, 400).note("Content-Length not reached"),
        one("badstatus", PLIVO_ERR_INVALID_RESPONSE, 0).note("not HTTP"),
        one("garbage", PLIVO_ERR_INVALID_RESPONSE, 0).note("not HTTP"),
        one("badchunk", PLIVO_ERR_INVALID_RESPONSE, 400).note("bad chunk size"),
        // 204 with a body (the real API does this).
        one("204body", PLIVO_OK, 204).note("connection stays usable"),
        one("204chunked", PLIVO_OK, 204).note("connection stays usable"),
        one("204late", PLIVO_OK, 204).note("body 5 ms after the head; connection closed"),
        case("204late", Get, PLIVO_ERR_INVALID_RESPONSE, 204, 1).note("a 204 has no JSON"),
        case("204chunked", StopAll, PLIVO_OK, 204, 1),
        case("204body", Get, PLIVO_ERR_INVALID_RESPONSE, 204, 1).note("a 204 has no JSON"),
        case("204body", StartId, PLIVO_ERR_INVALID_RESPONSE, 204, 1).note("no stream_id"),
    ]
}

/// What one call did.
struct Outcome {
    code: PlivoCode,
    status: i32,
    message: Option<String>,
    api_id: Option<String>,
    /// `*out` after the call (get/list/start id): whether it was non-NULL.
    out_set: Option<bool>,
    elapsed: Duration,
}

fn run_op(client: &TestClient, op: Op, call: &str) -> Outcome {
    let c = cstr(call);
    let s = cstr("s1");
    let url = cstr(SERVICE_URL);
    // Poison the out-parameter, to see that the library clears it on failure.
    let mut out: *mut c_char = std::ptr::dangling_mut();
    let started = Instant::now();
    let code = match op {
        Op::Stop => plivo_stop_stream(client.0, c.as_ptr(), s.as_ptr()),
        Op::StopAll => plivo_stop_all_streams(client.0, c.as_ptr()),
        Op::Get => plivo_get_stream(client.0, c.as_ptr(), s.as_ptr(), &mut out),
        Op::List => plivo_list_streams(client.0, c.as_ptr(), &mut out),
        Op::Start => plivo_start_stream(
            client.0,
            c.as_ptr(),
            url.as_ptr(),
            std::ptr::null(),
            std::ptr::null_mut(),
        ),
        Op::StartId => plivo_start_stream(
            client.0,
            c.as_ptr(),
            url.as_ptr(),
            std::ptr::null(),
            &mut out,
        ),
    };
    let elapsed = started.elapsed();
    let out_set = match op {
        Op::Get | Op::List | Op::StartId => {
            let set = !out.is_null();
            if set {
                assert_ne!(
                    out,
                    std::ptr::dangling_mut(),
                    "out-parameter left untouched"
                );
                let value = take(out).expect("non-NULL");
                if op == Op::StartId {
                    assert!(!value.is_empty());
                } else {
                    let parsed: serde_json::Value =
                        serde_json::from_str(&value).expect("json_out is JSON");
                    assert!(parsed.is_object(), "json_out is an object: {value}");
                }
            }
            Some(set)
        }
        _ => None,
    };
    Outcome {
        code,
        status: plivo_last_http_status(),
        message: last_error(),
        api_id: last_api_id(),
        out_set,
        elapsed,
    }
}

/// Everything the auth token could look like in a message.
fn secrets() -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        AUTH_TOKEN.to_owned(),
        b64.encode(format!("{AUTH_ID}:{AUTH_TOKEN}")),
        b64.encode(AUTH_TOKEN),
    ]
}

fn check_no_secret(message: &str) -> Result<(), String> {
    for secret in secrets() {
        if message.contains(&secret) {
            return Err(format!("message contains a secret: {message}"));
        }
    }
    Ok(())
}

fn code_name(code: PlivoCode) -> String {
    text(plivo_code_name(code as i32)).unwrap_or_default()
}

/// Check one outcome against its case; every mismatch is returned, not panicked on.
fn verify(case: &Case, got: &Outcome, attempts: u32) -> Vec<String> {
    let mut bad = Vec::new();
    let deadline = Duration::from_millis(TIMEOUT_MS.into());
    if got.code != case.code {
        bad.push(format!(
            "code {} (expected {})",
            code_name(got.code),
            code_name(case.code)
        ));
    }
    if got.status != case.status {
        bad.push(format!(
            "http_status {} (expected {})",
            got.status, case.status
        ));
    }
    if attempts != case.attempts {
        bad.push(format!("{attempts} attempts (expected {})", case.attempts));
    }
    if got.elapsed >= deadline + MARGIN {
        bad.push(format!("took {:?}, past deadline + margin", got.elapsed));
    }
    if got.elapsed < case.min {
        bad.push(format!(
            "took {:?}, expected at least {:?}",
            got.elapsed, case.min
        ));
    }
    if got.code == PLIVO_ERR_INTERNAL {
        bad.push("INTERNAL (a caught panic)".into());
    }
    match (&got.message, got.code) {
        (None, PLIVO_OK) => {}
        (Some(m), PLIVO_OK) => bad.push(format!("a success left a message: {m}")),
        (None, _) => bad.push("a failure without a message".into()),
        (Some(m), _) => {
            if let Err(e) = check_no_secret(m) {
                bad.push(e);
            }
            if !m.contains(case.op.in_message()) {
                bad.push(format!("message does not name the operation: {m}"));
            }
            if case.attempts > 1 && !m.contains(&format!("after {} attempts", case.attempts)) {
                bad.push(format!("message does not count the attempts: {m}"));
            }
        }
    }
    if got.code != PLIVO_OK && got.out_set == Some(true) {
        bad.push("out-parameter not NULL after a failure".into());
    }
    if got.code == PLIVO_OK && got.out_set == Some(false) {
        bad.push("out-parameter NULL after a success".into());
    }
    if case.mode == "noapiid" && got.api_id.is_some() {
        bad.push("api_id set although the body has none".into());
    }
    if case.mode == "nonjson" && got.api_id.is_some() {
        bad.push("api_id set from an HTML body".into());
    }
    bad
}

fn short(message: &Option<String>) -> String {
    let m = message.as_deref().unwrap_or("");
    // Drop the "plivo_xxx: op(args): " prefix: the table shows the operation already.
    let m = m.rsplit_once("): ").map_or(m, |(_, rest)| rest);
    let m: String = m.chars().take(70).collect();
    m.replace('|', "\\|")
}

static LOG_LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect_line(
    user: *mut std::ffi::c_void,
    _level: PlivoLogLevel,
    line: *const std::ffi::c_char,
) {
    let lines = unsafe { &*(user as *const Mutex<Vec<String>>) };
    let line = unsafe { std::ffi::CStr::from_ptr(line) };
    lines
        .lock()
        .unwrap()
        .push(line.to_string_lossy().into_owned());
}

#[test]
fn fault_matrix() {
    let server = Arc::new(Server::start(&[]));
    // The whole matrix runs with a DEBUG log callback: no line may hold a secret.
    let client = Arc::new(server.client_with(|o| {
        assert_eq!(plivo_options_set_timeout_ms(o, TIMEOUT_MS), PLIVO_OK);
        assert_eq!(plivo_options_set_max_retries(o, RETRIES), PLIVO_OK);
        let user = &LOG_LINES as *const Mutex<Vec<String>> as *mut std::ffi::c_void;
        assert_eq!(
            plivo_options_set_log_callback(o, 4, Some(collect_line), user),
            PLIVO_OK
        );
    }));
    let cases = Arc::new(matrix());
    // Several threads share the one client (as a call-control process would); each case
    // has its own call_uuid, so its attempts can be counted in the server's log.
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..6)
        .map(|_| {
            let (client, cases, next) = (client.clone(), cases.clone(), next.clone());
            std::thread::spawn(move || {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let call = format!("fault-{}-{}", case.mode, unique("m"));
                    done.push((i, call.clone(), run_op(&client, case.op, &call)));
                }
                done
            })
        })
        .collect();
    let mut outcomes: Vec<_> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("a matrix worker panicked"))
        .collect();
    outcomes.sort_by_key(|(i, _, _)| *i);
    let requests = server.requests();

    let mut table = String::from(
        "| fault mode | operation | code | http_status | attempts | elapsed (ms) | message (tail) | note |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let mut failures = Vec::new();
    for (i, call, got) in &outcomes {
        let case = &cases[*i];
        let attempts = attempts_for(&requests, call);
        for problem in verify(case, got, attempts) {
            failures.push(format!("{} / {}: {problem}", case.mode, case.op.name()));
        }
        table.push_str(&format!(
            "| `{}` | {} | `{}` | {} | {} | {} | {} | {} |\n",
            case.mode,
            case.op.name(),
            code_name(got.code),
            got.status,
            attempts,
            got.elapsed.as_millis(),
            short(&got.message),
            case.note
        ));
    }
    println!("\nFault matrix (timeout_ms {TIMEOUT_MS}, max_retries {RETRIES}):\n\n{table}");
    let lines = std::mem::take(&mut *LOG_LINES.lock().unwrap());
    assert!(lines.len() >= cases.len(), "{} log lines", lines.len());
    for line in &lines {
        if let Err(leak) = check_no_secret(line) {
            failures.push(format!("log line {line:?}: {leak}"));
        }
    }
    let exe = std::env::current_exe().unwrap();
    if let Some(target) = exe.ancestors().nth(3) {
        let _ = std::fs::write(target.join("fault-matrix.md"), &table);
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// After a 204 that carries a body, the next call on the same client (and so the same
/// kept-alive connection, when it is reused) must not read the stale bytes.
#[test]
fn a_204_with_a_body_leaves_no_stale_bytes() {
    let server = Server::start(&[]);
    // Many rounds: the late body is a timing fault, and must never be read as an answer.
    let streams: Vec<String> = (0..60).map(|i| format!("s{i}")).collect();
    server.add_streams("live", &streams);
    let client = server.client_with(max_retries(0));
    for (round, stream) in streams.iter().enumerate() {
        let mode = ["204body", "204chunked", "204late"][round % 3];
        let fault = format!("fault-{mode}-{}", unique("k"));
        client.assert_stops(&fault, "s1");
        assert_eq!(plivo_last_http_status(), 204);
        // The next call, on the same client: a normal stop...
        client.assert_stops("live", stream);
        assert_eq!(plivo_last_http_status(), 204);
        assert_eq!(last_api_id(), None, "the stale body's api_id was not read");
        // ...and a GET whose answer must be its own JSON, not the 204's leftovers.
        let mut out: *mut c_char = std::ptr::null_mut();
        let (c, s) = (cstr("live"), cstr(stream));
        assert_eq!(
            plivo_get_stream(client.0, c.as_ptr(), s.as_ptr(), &mut out),
            PLIVO_OK,
            "{:?}",
            last_error()
        );
        let body: serde_json::Value = serde_json::from_str(&take(out).unwrap()).unwrap();
        assert_eq!(body["stream_id"], stream.as_str());
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 180, "one request per call");
}

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The 20 MiB body is refused after the 1 MiB cap, without reading the rest. Runs in a
/// child process (this same test binary) so that the peak RSS is this test's own.
#[test]
fn a_20_mib_body_is_refused_without_reading_it() {
    if std::env::var_os("PLIVO_FAULTS_RSS_CHILD").is_some() {
        return; // the child runs `huge_body_child` only
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "huge_body_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PLIVO_FAULTS_RSS_CHILD", "1")
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("huge-ok"), "{stdout}");
}

#[test]
fn huge_body_child() {
    if std::env::var_os("PLIVO_FAULTS_RSS_CHILD").is_none() {
        return; // only meaningful in the child process
    }
    let server = Server::start(&["warm:s1"]);
    let client = server.client_with(timeout_and_retries(10_000, 0));
    assert_eq!(client.stop("warm", "s1"), PLIVO_OK);
    let hwm_before = rss_kib("VmHWM:");
    for mode in ["huge", "hugechunked", "huge", "hugechunked"] {
        let started = Instant::now();
        let mut out: *mut c_char = std::ptr::null_mut();
        let call = cstr(&format!("fault-{mode}-{}", unique("h")));
        let code = plivo_list_streams(client.0, call.as_ptr(), &mut out);
        let elapsed = started.elapsed();
        assert_eq!(
            code,
            PLIVO_ERR_INVALID_RESPONSE,
            "{mode}: {:?}",
            last_error()
        );
        assert!(out.is_null());
        assert_eq!(plivo_last_http_status(), 200);
        let message = last_error().unwrap();
        assert!(message.contains("1048576"), "{message}");
        // Reading 20 MiB through a debug build would take far longer than this.
        assert!(elapsed < Duration::from_millis(1500), "{mode}: {elapsed:?}");
        println!("{mode}: refused in {elapsed:?}");
    }
    let hwm_after = rss_kib("VmHWM:");
    let grew = hwm_after.saturating_sub(hwm_before);
    println!("peak RSS {hwm_before} KiB -> {hwm_after} KiB (+{grew} KiB)");
    assert!(
        grew < 8 * 1024,
        "peak RSS grew by {grew} KiB: was the 20 MiB body buffered?"
    );
    // A connection that carried a huge body was closed, not reused: each huge request
    // (all but the warm-up stop) came on a connection of its own.
    let requests = server.requests();
    let conns: Vec<_> = requests.iter().map(|r| r["conn"].as_u64()).collect();
    let huge_conns: std::collections::HashSet<_> = conns[1..].iter().collect();
    assert_eq!(huge_conns.len(), conns.len() - 1, "{conns:?}");
    println!("huge-ok");
}

/// The redirect's `Location` (127.0.0.2:9) is never contacted.
#[test]
fn redirects_are_never_followed() {
    // Listen where the redirect points, when we may (port 9 needs privileges).
    let trap = TcpListener::bind("127.0.0.2:9").ok();
    if let Some(t) = &trap {
        t.set_nonblocking(true).unwrap();
    }
    let server = Server::start(&[]);
    let client = server.client();
    for op in [Op::Stop, Op::Get, Op::Start] {
        let call = format!("fault-redirect-{}", unique("r"));
        let got = run_op(&client, op, &call);
        assert_eq!(got.code, PLIVO_ERR_HTTP, "{op:?} {:?}", got.message);
        assert_eq!(got.status, 302);
        assert!(got.message.unwrap().contains("302"));
    }
    assert_eq!(server.requests().len(), 3, "one request each, no retry");
    if let Some(t) = &trap {
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            t.accept().is_err(),
            "something connected to the redirect target"
        );
    } else {
        eprintln!("note: cannot listen on 127.0.0.2:9; checked the request count only");
    }
}

/// `Retry-After: 1` replaces the back-off; a wait past the deadline is not started.
#[test]
fn retry_after_is_honoured_within_the_deadline() {
    let server = Server::start(&[]);
    // A stop on a fresh call in fault `mode`: its code, how long it took, its attempts.
    let stop_fresh = |client: &TestClient, mode: &str| {
        let call = format!("fault-{mode}-{}", unique("ra"));
        let (code, elapsed) = timed(|| client.stop(&call, "s"));
        (code, elapsed, attempts_for(&server.requests(), &call))
    };
    // Deadline 3.5 s: attempts at ~0 s, ~1 s, ~2 s (three, the last after two waits).
    let patient = server.client_with(timeout_and_retries(3500, 2));
    let (code, elapsed, attempts) = stop_fresh(&patient, "429ra");
    assert_eq!((code, attempts), (PLIVO_ERR_RATE_LIMITED, 3));
    assert!(
        elapsed >= Duration::from_millis(1950) && elapsed < Duration::from_millis(3500),
        "{elapsed:?}: two waits of Retry-After: 1"
    );
    assert!(last_error().unwrap().contains("after 3 attempts"));

    // Deadline 800 ms: the 1 s wait would pass it, so the call returns at once.
    let hurried = server.client_with(timeout_and_retries(800, 5));
    let (code, elapsed, attempts) = stop_fresh(&hurried, "429ra");
    assert_eq!((code, attempts), (PLIVO_ERR_RATE_LIMITED, 1));
    assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
    assert_eq!(plivo_last_http_status(), 429);

    // Without Retry-After, the back-off is short: 3 attempts of a 429 well under 1 s.
    let (code, elapsed, attempts) = stop_fresh(&patient, "429");
    assert_eq!((code, attempts), (PLIVO_ERR_RATE_LIMITED, 3));
    assert!(elapsed < Duration::from_millis(1500));
}

/// Connect refused is retried exactly max_retries times, for every method (POST too:
/// the request never reached a server).
#[test]
fn connect_refused_is_retried_exactly_max_retries_times() {
    let port = refused_port();
    let url = format!("http://127.0.0.1:{port}/v1/");
    for retries in [0u32, 1, 2, 4] {
        let client = client_at(&url, timeout_and_retries(10_000, retries));
        for op in [Op::Stop, Op::Get, Op::Start] {
            let started = Instant::now();
            let got = run_op(&client, op, "c1");
            let elapsed = started.elapsed();
            assert_eq!(got.code, PLIVO_ERR_TRANSPORT, "{op:?}: {:?}", got.message);
            assert_eq!(got.status, 0);
            let message = got.message.unwrap();
            check_no_secret(&message).unwrap();
            let attempts = retries + 1;
            if attempts > 1 {
                assert!(
                    message.contains(&format!("after {attempts} attempts")),
                    "{op:?} retries {retries}: {message}"
                );
            } else {
                assert!(!message.contains("attempts"), "{message}");
            }
            // Back-off ~100, 200, 400, 800 ms (±25 %) between the attempts.
            let min_backoff: u64 = (0..retries).map(|i| 75u64 << i).sum();
            assert!(
                elapsed >= Duration::from_millis(min_backoff),
                "{op:?} retries {retries}: {elapsed:?} < {min_backoff} ms of back-off"
            );
            assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
        }
    }
}

/// A listener whose accept queue is full: the kernel drops new SYNs, so a connect to it
/// hangs (on loopback, with no non-loopback address involved). The returned streams
/// keep the queue full; drop everything to release it.
fn blackhole() -> Option<(TcpListener, Vec<TcpStream>, u16)> {
    use std::os::fd::AsRawFd;
    let listener = TcpListener::bind("127.0.0.1:0").ok()?;
    // Shrink the backlog of the already listening socket to the minimum.
    // SAFETY: a valid listening socket fd owned by `listener`.
    if unsafe { libc::listen(listener.as_raw_fd(), 0) } != 0 {
        return None;
    }
    let addr = listener.local_addr().ok()?;
    let mut fillers = Vec::new();
    for _ in 0..16 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => fillers.push(s),
            Err(_) => return Some((listener, fillers, addr.port())),
        }
    }
    None // the kernel kept accepting: no black hole on this system
}

/// A client of `url` whose connects give up after `connect_ms`, with a deadline of
/// `timeout_ms` per call and `retries` retries.
fn connecting_client(url: &str, connect_ms: u32, timeout_ms: u32, retries: u32) -> TestClient {
    client_at(url, |o| {
        assert_eq!(
            plivo_options_set_connect_timeout_ms(o, connect_ms),
            PLIVO_OK
        );
        timeout_and_retries(timeout_ms, retries)(o);
    })
}

/// A connect that hangs never stretches a call past its deadline; a connect timeout is
/// a connect failure and is retried.
#[test]
fn connect_timeout_never_stretches_the_deadline() {
    let Some((_listener, _fillers, port)) = blackhole() else {
        eprintln!("note: could not make a connect hang on loopback; skipped");
        return;
    };
    let url = format!("http://127.0.0.1:{port}/v1/");

    // connect_timeout far above the deadline: the deadline wins.
    let client = connecting_client(&url, 60_000, 700, 3);
    let (code, elapsed) = timed(|| client.stop("c", "s"));
    assert_eq!(code, PLIVO_ERR_TIMEOUT, "{:?}", last_error());
    assert!(
        elapsed >= Duration::from_millis(650) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );
    assert_eq!(plivo_last_http_status(), 0);

    // Short connect timeouts, many retries: still bounded by the deadline.
    let client = connecting_client(&url, 200, 1000, 10);
    let (code, elapsed) = timed(|| client.stop("c", "s"));
    assert!(
        code == PLIVO_ERR_TIMEOUT || code == PLIVO_ERR_TRANSPORT,
        "{code:?}: {:?}",
        last_error()
    );
    assert!(elapsed < Duration::from_millis(2000), "{elapsed:?}");

    // Short connect timeouts within a long deadline: 1 + max_retries connect failures.
    let client = connecting_client(&url, 150, 10_000, 2);
    for op in [Op::Stop, Op::Start] {
        let started = Instant::now();
        let got = run_op(&client, op, "c");
        let elapsed = started.elapsed();
        assert_eq!(got.code, PLIVO_ERR_TRANSPORT, "{op:?} {:?}", got.message);
        let message = got.message.unwrap();
        println!("{op:?}: 3 connect timeouts of 150 ms in {elapsed:?}: {message}");
        assert!(message.contains("after 3 attempts"), "{message}");
        assert!(message.contains("connect"), "{message}");
        // 3 × 150 ms connects + ~100 + ~200 ms back-off.
        assert!(
            elapsed >= Duration::from_millis(600) && elapsed < Duration::from_millis(2500),
            "{op:?}: {elapsed:?}"
        );
    }
}

/// A pooled connection is checked when it is taken out of the pool, whatever happened to
/// it while it was idle. Each connection of this server answers one request with a
/// keep-alive 204 and, 100 ms later, spoils itself: it closes, or it sends a stray
/// response (which a reused connection would read as the next answer). The client calls
/// again 300 ms after each answer: every call must succeed, each on a new connection.
#[test]
fn a_connection_spoiled_while_idle_is_not_reused() {
    use std::io::Write;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().take(6).enumerate() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                if !read_head(&mut stream) {
                    return;
                }
                let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\n\r\n");
                std::thread::sleep(Duration::from_millis(100));
                if n % 2 == 1 {
                    let stray = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
                    let _ = stream.write_all(stray);
                    wait_for_close(&mut stream);
                }
            });
        }
    });
    let client = client_at(&format!("http://127.0.0.1:{port}/v1/"), max_retries(0));
    for call in 1..=6 {
        assert_eq!(
            client.stop("c", "s"),
            PLIVO_OK,
            "call {call}: {:?}",
            last_error()
        );
        assert_eq!(accepted.load(Ordering::SeqCst), call);
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A read waits in slices of 50 ms (see `src/client/socket.rs`): an answer that comes
/// after several slices, in two parts 120 ms apart, is still read whole, and the call
/// ends when the answer is complete, not at the deadline.
#[test]
fn an_answer_slower_than_a_read_slice_is_read_whole() {
    use std::io::Write;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        if !read_head(&mut stream) {
            return;
        }
        std::thread::sleep(Duration::from_millis(180));
        let _ = stream.write_all(b"HTTP/1.1 204 No");
        std::thread::sleep(Duration::from_millis(120));
        let _ = stream.write_all(b" Content\r\n\r\n");
        wait_for_close(&mut stream);
    });
    let client = client_at(
        &format!("http://127.0.0.1:{port}/v1/"),
        timeout_and_retries(2_000, 0),
    );
    let started = Instant::now();
    client.assert_stops("c", "s");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(1_500),
        "{elapsed:?}"
    );
}

/// A one-trick loopback server: answers every request (read up to the blank line) with
/// `response`, then closes. Serves at most `max` connections, then its thread ends.
/// Returns the port and a counter of the requests it answered.
fn raw_server(response: Vec<u8>, max: usize) -> (u16, Arc<AtomicUsize>) {
    use std::io::Write;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            read_head(&mut stream);
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = stream.write_all(&response);
        }
    });
    (port, count)
}

/// Read a request head, up to its blank line (at most 64 KiB); false when the
/// connection ended or failed first.
fn read_head(stream: &mut TcpStream) -> bool {
    use std::io::Read;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return false,
        }
    }
    true
}

/// Keep a connection open until the client drops it.
fn wait_for_close(stream: &mut TcpStream) {
    use std::io::Read;
    let mut byte = [0u8; 1];
    while matches!(stream.read(&mut byte), Ok(1)) {}
}

fn http(head: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Answers the bundled server cannot give: absurd `Retry-After`, informational
/// responses, bodies at the 1 MiB cap, header floods, odd status codes. None may panic
/// (INTERNAL), hang or leak the token.
#[test]
fn hostile_answers() {
    let mib = 1usize << 20;
    let json_of_len = |len: usize| {
        let mut body = b"{\"api_id\":\"x\",\"pad\":\"".to_vec();
        body.resize(len - 2, b'a');
        body.extend_from_slice(b"\"}");
        body
    };
    let many_headers: String = (0..5000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let cases: Vec<(&str, Vec<u8>, PlivoCode, i32, usize)> = vec![
        (
            "Retry-After: u64::MAX",
            http(
                "HTTP/1.1 429 Slow down\r\nRetry-After: 18446744073709551615",
                b"",
            ),
            PLIVO_ERR_RATE_LIMITED,
            429,
            1,
        ),
        (
            "Retry-After: i64::MAX",
            http(
                "HTTP/1.1 429 Slow down\r\nRetry-After: 9223372036854775807",
                b"",
            ),
            PLIVO_ERR_RATE_LIMITED,
            429,
            1,
        ),
        (
            "Retry-After: 0",
            http("HTTP/1.1 503 Busy\r\nRetry-After: 0", b""),
            PLIVO_ERR_SERVER,
            503,
            3,
        ),
        (
            "Retry-After: -5 (ignored)",
            http("HTTP/1.1 503 Busy\r\nRetry-After: -5", b""),
            PLIVO_ERR_SERVER,
            503,
            3,
        ),
        (
            "100 Continue, then 204",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
                .to_vec(),
            PLIVO_OK,
            204,
            1,
        ),
        (
            "HTTP/1.0 204",
            b"HTTP/1.0 204 No Content\r\n\r\n".to_vec(),
            PLIVO_OK,
            204,
            1,
        ),
        (
            "200, body of exactly 1 MiB",
            http(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json",
                &json_of_len(mib),
            ),
            PLIVO_OK,
            200,
            1,
        ),
        (
            "200, body of 1 MiB + 1",
            http(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json",
                &json_of_len(mib + 1),
            ),
            PLIVO_ERR_INVALID_RESPONSE,
            200,
            1,
        ),
        (
            "400, body of 2 MiB",
            http(
                "HTTP/1.1 400 Bad\r\nContent-Type: application/json",
                &json_of_len(2 * mib),
            ),
            PLIVO_ERR_INVALID_RESPONSE,
            400,
            1,
        ),
        (
            "5000 headers",
            http(
                &format!("HTTP/1.1 204 No Content\r\n{}", many_headers.trim_end()),
                b"",
            ),
            PLIVO_ERR_INVALID_RESPONSE,
            0,
            1,
        ),
        (
            "status 999",
            http("HTTP/1.1 999 Odd", b"{\"error\":\"odd\"}"),
            PLIVO_ERR_HTTP,
            999,
            1,
        ),
        (
            "Content-Length: -1",
            b"HTTP/1.1 400 Bad\r\nContent-Length: -1\r\n\r\n{}".to_vec(),
            PLIVO_ERR_INVALID_RESPONSE,
            0,
            1,
        ),
        ("closed at once", Vec::new(), PLIVO_ERR_TRANSPORT, 0, 1),
    ];
    let mut failures = Vec::new();
    for (name, response, code, status, attempts) in cases {
        let (port, count) = raw_server(response, 8);
        let client = client_at(
            &format!("http://127.0.0.1:{port}/v1/"),
            timeout_and_retries(3000, 2),
        );
        let started = Instant::now();
        let got = client.stop("c", "s");
        let elapsed = started.elapsed();
        let seen = (got, plivo_last_http_status(), count.load(Ordering::SeqCst));
        println!("{name}: {seen:?} in {elapsed:?}: {:?}", last_error());
        if seen != (code, status, attempts) {
            failures.push(format!(
                "{name}: {seen:?}, expected {:?}",
                (code, status, attempts)
            ));
        }
        if elapsed > Duration::from_secs(2) {
            failures.push(format!("{name}: took {elapsed:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A server (or a proxy's error page) that echoes the credentials: the message never
/// shows them, not even cut in half at the 300-character clip.
#[test]
fn echoed_credentials_are_redacted_even_when_clipped() {
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{AUTH_ID}:{AUTH_TOKEN}"));
    // Every 8-character window of a secret: none may appear in a message.
    let windows: Vec<String> = [AUTH_TOKEN, b64.as_str()]
        .iter()
        .flat_map(|s| {
            let chars: Vec<char> = s.chars().collect();
            chars
                .windows(8)
                .map(|w| w.iter().collect::<String>())
                .collect::<Vec<_>>()
        })
        .collect();
    for pad in (270..=300).step_by(3) {
        for (status, echo) in [
            (500, format!("Authorization: Basic {b64}")),
            (400, format!("token={AUTH_TOKEN}")),
        ] {
            let body = format!("{}{echo}", "x".repeat(pad));
            let json = serde_json::json!({ "error": body }).to_string();
            for body in [body, json] {
                let (port, _) =
                    raw_server(http(&format!("HTTP/1.1 {status} Oops"), body.as_bytes()), 4);
                let client = client_at(&format!("http://127.0.0.1:{port}/v1/"), max_retries(0));
                assert_ne!(client.stop("c", "s"), PLIVO_OK);
                let message = last_error().unwrap();
                for w in &windows {
                    assert!(
                        !message.contains(w.as_str()),
                        "pad {pad}: {w:?} in {message}"
                    );
                }
            }
        }
    }
}
