//! The log callback and the stats, through the C ABI against the bundled server.

mod common;

use std::ffi::{c_char, c_void, CStr};
use std::sync::Mutex;

use common::*;
use plivo::ffi::*;
use serde_json::Value;
use PlivoCode::*;

/// What a callback heard: (user data, level, thread, line).
#[derive(Default)]
struct Heard(Mutex<Vec<(usize, i32, std::thread::ThreadId, String)>>);

unsafe extern "C" fn hear(user_data: *mut c_void, level: PlivoLogLevel, message: *const c_char) {
    let heard = unsafe { &*(user_data as *const Heard) };
    let line = unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned();
    heard.0.lock().unwrap().push((
        user_data as usize,
        level as i32,
        std::thread::current().id(),
        line,
    ));
}

impl Heard {
    fn take(&self) -> Vec<(i32, String)> {
        std::mem::take(&mut *self.0.lock().unwrap())
            .into_iter()
            .map(|(_, level, _, line)| (level, line))
            .collect()
    }
}

/// A server seeded with `seeds`, and a client of it that logs up to `level` to `heard`.
struct Logging {
    // Declared first, so dropped first: the client's callback points into `heard`.
    client: TestClient,
    heard: Box<Heard>,
    _server: Server,
}

impl Logging {
    fn start(seeds: &[&str], level: i32) -> Logging {
        let server = Server::start(seeds);
        let heard = Box::<Heard>::default();
        let client = server.client_with(|o| {
            let user = &*heard as *const Heard as *mut c_void;
            assert_eq!(
                plivo_options_set_log_callback(o, level, Some(hear), user),
                PLIVO_OK
            );
        });
        Logging {
            client,
            heard,
            _server: server,
        }
    }
}

fn stats(client: &TestClient) -> Value {
    let mut out = std::ptr::null_mut();
    assert_eq!(plivo_client_stats(client.0, &mut out), PLIVO_OK);
    serde_json::from_str(&take(out).unwrap()).unwrap()
}

fn count(lines: &[(i32, String)], level: i32, word: &str) -> usize {
    lines
        .iter()
        .filter(|(l, line)| *l == level && line.contains(word))
        .count()
}

#[test]
fn each_request_logs_its_lines_and_counts() {
    let Logging { client, heard, .. } = &Logging::start(&["c1:s1,s2"], 4);

    // A stop that succeeds on a new connection: DEBUG opened, one INFO.
    assert_eq!(client.stop("c1", "s1"), PLIVO_OK);
    let lines = heard.take();
    assert_eq!(count(&lines, 4, "event=connection opened"), 1, "{lines:?}");
    let info: Vec<_> = lines.iter().filter(|(l, _)| *l == 3).collect();
    assert_eq!(info.len(), 1, "{lines:?}");
    let line = &info[0].1;
    let fields = "event=request op=stop_stream call_uuid=c1 stream_uuid=s1 status=204 \
        code=PLIVO_OK attempts=1 elapsed_us= api_id=-";
    for field in fields.split_whitespace() {
        assert!(line.contains(field), "{field} in {line}");
    }
    assert!(!line.ends_with('\n'));
    assert_eq!(lines.len(), 2, "{lines:?}");

    // The same stop again, on the kept-alive connection: DEBUG reused, INFO and ERROR.
    assert_eq!(client.stop("c1", "s1"), PLIVO_ERR_NO_ACTIVE_STREAM);
    let lines = heard.take();
    assert_eq!(count(&lines, 4, "event=connection reused"), 1, "{lines:?}");
    assert_eq!(
        count(&lines, 3, "code=PLIVO_ERR_NO_ACTIVE_STREAM"),
        1,
        "{lines:?}"
    );
    assert_eq!(count(&lines, 1, "event=request_failed"), 1, "{lines:?}");
    assert_eq!(count(&lines, 1, "No active stream found"), 1, "{lines:?}");
    assert_eq!(lines.len(), 3, "{lines:?}");

    // A 503 answered once: one WARN (the retry), then the INFO of the success.
    let call = format!("fault-503once-{}", unique("w"));
    client.assert_stops(&call, "s1");
    let lines = heard.take();
    assert_eq!(count(&lines, 2, "event=retry"), 1, "{lines:?}");
    assert_eq!(count(&lines, 2, "wait_ms="), 1, "{lines:?}");
    assert_eq!(count(&lines, 3, "attempts=2"), 1, "{lines:?}");
    assert_eq!(count(&lines, 1, ""), 0, "{lines:?}");

    // A 204 with a body: its connection is discarded, and says why.
    let call = format!("fault-204body-{}", unique("b"));
    assert_eq!(client.stop(&call, "s1"), PLIVO_OK);
    let lines = heard.take();
    assert_eq!(
        count(&lines, 4, "discarded reason=body_after_no_content"),
        1,
        "{lines:?}"
    );

    // Refused before sending: no line, not counted.
    let before = stats(client);
    assert_eq!(client.stop("bad id", "s1"), PLIVO_ERR_INVALID_ARGUMENT);
    assert!(heard.take().is_empty());
    assert_eq!(stats(client)["requests"], before["requests"]);

    // The counters add up exactly over that sequence.
    let s = stats(client);
    assert_eq!(s["requests"], 4, "{s}");
    assert_eq!(s["attempts"], 5, "{s}");
    assert_eq!(s["retries"], 1, "{s}");
    assert_eq!(s["in_flight"], 0, "{s}");
    assert_eq!(s["outcomes"]["PLIVO_OK"], 3, "{s}");
    assert_eq!(s["outcomes"]["PLIVO_ERR_NO_ACTIVE_STREAM"], 1, "{s}");
    let c = &s["connections"];
    let (opened, reused) = (c["opened"].as_u64().unwrap(), c["reused"].as_u64().unwrap());
    assert_eq!(
        opened + reused,
        5,
        "every attempt opened or reused one: {s}"
    );
    assert!(c["discarded"].as_u64().unwrap() >= 1, "{s}");
    let l = &s["latency_us"];
    assert!(
        l["p50"].as_u64().unwrap() <= l["max"].as_u64().unwrap(),
        "{s}"
    );
    assert!(l["max"].as_u64().unwrap() > 0, "{s}");
}

#[test]
fn the_callback_runs_on_the_calling_thread_with_its_user_data() {
    let Logging { client, heard, .. } = &Logging::start(&["c1:s1"], 3);
    assert_eq!(client.stop("c1", "s1"), PLIVO_OK);
    let all = std::mem::take(&mut *heard.0.lock().unwrap());
    assert_eq!(all.len(), 1, "INFO only at level 3");
    assert_eq!(all[0].0, &**heard as *const Heard as usize);
    assert_eq!(all[0].2, std::thread::current().id());
}

#[test]
fn levels_filter_and_bad_levels_are_refused() {
    let Logging { client, heard, .. } = &Logging::start(&["c1:s1"], 1);
    assert_eq!(client.stop("c1", "s1"), PLIVO_OK);
    assert_eq!(client.stop("c1", "s1"), PLIVO_ERR_NO_ACTIVE_STREAM);
    let lines = heard.take();
    assert_eq!(lines.len(), 1, "ERROR only: {lines:?}");

    let options = plivo_options_new();
    for bad in [0, 5, -1, 99] {
        let user = &**heard as *const Heard as *mut c_void;
        assert_eq!(
            plivo_options_set_log_callback(options, bad, Some(hear), user),
            PLIVO_ERR_INVALID_ARGUMENT
        );
        assert!(last_error().unwrap().contains("max_level"));
    }
    assert_eq!(
        plivo_options_set_log_callback(std::ptr::null_mut(), 3, Some(hear), std::ptr::null_mut()),
        PLIVO_ERR_INVALID_ARGUMENT
    );
    // NULL callback: off.
    assert_eq!(
        plivo_options_set_log_callback(options, 4, None, std::ptr::null_mut()),
        PLIVO_OK
    );
    plivo_options_free(options);
    let mut out = std::ptr::null_mut();
    assert_eq!(
        plivo_client_stats(std::ptr::null(), &mut out),
        PLIVO_ERR_INVALID_ARGUMENT
    );
    assert!(out.is_null());
}

#[test]
fn stats_add_up_over_eight_threads() {
    let Logging { client, heard, .. } = &Logging::start(&[], 4);
    std::thread::scope(|scope| {
        for t in 0..8 {
            scope.spawn(move || {
                for i in 0..50 {
                    // Unknown call: 404, one attempt each.
                    assert_eq!(
                        client.stop(&format!("none{t}x{i}"), "s"),
                        PLIVO_ERR_NOT_FOUND
                    );
                }
            });
        }
    });
    let s = stats(client);
    assert_eq!(s["requests"], 400, "{s}");
    assert_eq!(s["attempts"], 400, "{s}");
    assert_eq!(s["outcomes"]["PLIVO_ERR_NOT_FOUND"], 400, "{s}");
    let c = &s["connections"];
    assert_eq!(
        c["opened"].as_u64().unwrap() + c["reused"].as_u64().unwrap(),
        400,
        "{s}"
    );
    let lines = heard.take();
    assert_eq!(count(&lines, 3, "event=request "), 400);
    assert_eq!(count(&lines, 1, "event=request_failed"), 400);
    let secrets = [AUTH_TOKEN.to_owned(), base64_pair()];
    for (_, line) in &lines {
        for secret in &secrets {
            assert!(!line.contains(secret.as_str()), "{line}");
        }
    }
}

/// base64 of `auth_id:token`, as the Authorization header carries it.
pub fn base64_pair() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{AUTH_ID}:{AUTH_TOKEN}"))
}
