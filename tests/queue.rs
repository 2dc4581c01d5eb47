//! Completion queues through the C ABI, against the bundled server and hand-made
//! loopback peers.

mod common;

use std::collections::HashMap;
use std::ffi::c_char;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::*;
use plivo::ffi::*;
use PlivoCode::*;

struct Q(*mut PlivoQueue);
unsafe impl Send for Q {}
unsafe impl Sync for Q {}
impl Drop for Q {
    fn drop(&mut self) {
        plivo_queue_free(self.0);
    }
}

fn queue(client: &TestClient, max: u32) -> Q {
    let q = plivo_queue_new(client.0, max);
    assert!(!q.is_null(), "{:?}", last_error());
    Q(q)
}

struct Taken {
    tag: u64,
    code: PlivoCode,
    status: i32,
    message: Option<String>,
    body: Option<String>,
    attempts: u32,
    elapsed_us: u64,
}

fn taken(r: *mut PlivoResult) -> Option<Taken> {
    if r.is_null() {
        return None;
    }
    let t = Taken {
        tag: plivo_result_tag(r),
        code: plivo_result_code(r),
        status: plivo_result_http_status(r),
        message: text(plivo_result_message(r)),
        body: text(plivo_result_body(r)),
        attempts: plivo_result_attempts(r),
        elapsed_us: plivo_result_elapsed_us(r),
    };
    plivo_result_free(r);
    Some(t)
}

fn wait(q: &Q, ms: u32) -> Option<Taken> {
    taken(plivo_queue_wait(q.0, ms))
}

fn readable(q: &Q) -> bool {
    let mut fd = libc::pollfd {
        fd: plivo_queue_fd(q.0),
        events: libc::POLLIN,
        revents: 0,
    };
    unsafe { libc::poll(&mut fd, 1, 0) == 1 }
}

fn stop(q: &Q, call: &str, stream: &str, tag: u64) -> PlivoCode {
    let (c, s) = (cstr(call), cstr(stream));
    plivo_queue_stop_stream(q.0, c.as_ptr(), s.as_ptr(), tag)
}

/// A loopback peer that accepts and never answers.
fn silent_peer() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/v1/",
        listener.local_addr().unwrap().port()
    );
    (listener, url)
}

#[test]
fn every_accepted_submit_gets_exactly_one_result() {
    let streams: Vec<String> = (0..60).map(|i| format!("s{i}")).collect();
    let server = Server::start(&[]);
    server.add_streams("live", &streams);
    let client = server.client();
    let q = queue(&client, 16);
    let mut expected = HashMap::new();
    let mut tag = 0u64;
    // Take results whenever the queue is full, so that every submit is accepted.
    let room = |expected: &mut HashMap<u64, &str>| {
        while plivo_queue_pending(q.0) >= 16 {
            let t = wait(&q, 5_000).expect("a result");
            check(&t, expected.remove(&t.tag).expect("a tag submitted once"));
        }
    };
    for (i, stream) in streams.iter().enumerate() {
        // Twice each: 204 then 400 (order between the two is the server's).
        for _ in 0..2 {
            room(&mut expected);
            tag += 1;
            assert_eq!(
                stop(&q, "live", stream, tag),
                PLIVO_OK,
                "{:?}",
                last_error()
            );
            assert_eq!(plivo_last_error_code(), PLIVO_OK);
            assert_eq!(plivo_last_http_status(), 0);
            expected.insert(tag, "live");
        }
        room(&mut expected);
        tag += 1;
        assert_eq!(stop(&q, "nosuchcall", stream, tag), PLIVO_OK);
        expected.insert(tag, "missing");
        if i % 10 == 0 {
            room(&mut expected);
            tag += 1;
            let call = format!("fault-503once-{}", unique("q"));
            assert_eq!(stop(&q, &call, "s", tag), PLIVO_OK);
            expected.insert(tag, "retried");
        }
        // Refused at submit: nothing queued, nothing sent.
        assert_eq!(
            stop(&q, "bad id", stream, 9_999),
            PLIVO_ERR_INVALID_ARGUMENT
        );
    }
    while let Some(t) = wait(&q, 5_000) {
        check(&t, expected.remove(&t.tag).expect("a tag submitted once"));
    }
    assert!(expected.is_empty(), "no result for {} tags", expected.len());
    assert_eq!(plivo_queue_pending(q.0), 0);
    assert!(!readable(&q));

    fn check(t: &Taken, kind: &str) {
        match kind {
            "live" => assert!(
                (t.code == PLIVO_OK && t.status == 204)
                    || (t.code == PLIVO_ERR_NO_ACTIVE_STREAM && t.status == 400),
                "{:?} {:?}",
                t.code,
                t.message
            ),
            "missing" => assert_eq!((t.code, t.status), (PLIVO_ERR_NOT_FOUND, 404)),
            _ => assert_eq!((t.code, t.attempts), (PLIVO_OK, 2), "{:?}", t.message),
        }
        assert!(t.attempts >= 1);
    }
}

#[test]
fn results_carry_bodies_and_the_descriptor_is_level_triggered() {
    let server = Server::start(&["c1:s1"]);
    let client = server.client();
    let q = queue(&client, 0);
    assert!(!readable(&q), "nothing yet");
    assert!(plivo_queue_next(q.0).is_null());
    let (c, s) = (cstr("c1"), cstr("s1"));
    assert_eq!(
        plivo_queue_get_stream(q.0, c.as_ptr(), s.as_ptr(), 7),
        PLIVO_OK
    );
    assert_eq!(plivo_queue_list_streams(q.0, c.as_ptr(), 8), PLIVO_OK);
    let url = cstr("wss://example.test/ws");
    assert_eq!(
        plivo_queue_start_stream(q.0, c.as_ptr(), url.as_ptr(), std::ptr::null(), 9),
        PLIVO_OK
    );
    let mut seen = HashMap::new();
    for _ in 0..3 {
        let mut fd = libc::pollfd {
            fd: plivo_queue_fd(q.0),
            events: libc::POLLIN,
            revents: 0,
        };
        assert_eq!(
            unsafe { libc::poll(&mut fd, 1, 5_000) },
            1,
            "readable while a result waits"
        );
        let t = taken(plivo_queue_next(q.0)).expect("ready when readable");
        seen.insert(t.tag, t);
    }
    assert!(!readable(&q), "not readable once all are taken");
    let get: serde_json::Value = serde_json::from_str(seen[&7].body.as_ref().unwrap()).unwrap();
    assert_eq!(get["stream_id"], "s1");
    let list: serde_json::Value = serde_json::from_str(seen[&8].body.as_ref().unwrap()).unwrap();
    assert!(list["objects"].is_array());
    assert!(
        !seen[&9].body.as_ref().unwrap().is_empty(),
        "start: the stream id"
    );
    assert!(seen
        .values()
        .all(|t| t.code == PLIVO_OK && t.message.is_none()));
    assert!(seen.values().all(|t| t.elapsed_us > 0));
}

#[test]
fn a_full_queue_is_busy_and_cancel_reaches_waiting_and_running_requests() {
    let (_peer, url) = silent_peer();
    let client = client_at(&url, timeout_and_retries(30_000, 0));
    let q = queue(&client, 2);
    // Both run at once (a queue starts a worker for each pending request up to its
    // maximum), each waiting on the silent peer.
    assert_eq!(stop(&q, "c", "first", 1), PLIVO_OK);
    assert_eq!(stop(&q, "c", "second", 2), PLIVO_OK);
    assert_eq!(stop(&q, "c", "third", 3), PLIVO_ERR_BUSY);
    assert_eq!(plivo_last_error_code(), PLIVO_ERR_BUSY);
    // Argument checks come before the BUSY check.
    assert_eq!(stop(&q, "c", "bad id", 3), PLIVO_ERR_INVALID_ARGUMENT);
    assert_eq!(
        plivo_queue_cancel(q.0, 42),
        PLIVO_ERR_INVALID_ARGUMENT,
        "no such tag"
    );

    std::thread::sleep(Duration::from_millis(200)); // the first is under way
    for tag in [2, 1] {
        let cancelled_at = Instant::now();
        assert_eq!(plivo_queue_cancel(q.0, tag), PLIVO_OK);
        let t = wait(&q, 2_000).expect("a cancelled result");
        let took = cancelled_at.elapsed();
        assert_eq!((t.tag, t.code, t.status), (tag, PLIVO_ERR_CANCELLED, 0));
        assert!(took < Duration::from_millis(500), "{took:?}");
        assert_eq!(t.attempts, 1, "cancelled under way");
    }
    assert_eq!(plivo_queue_pending(q.0), 0);
    assert!(wait(&q, 1_000).is_none(), "nothing pending: NULL at once");
}

#[test]
fn freeing_with_requests_in_flight_is_prompt_and_the_client_may_go_first() {
    let (_peer, url) = silent_peer();
    let client = client_at(&url, timeout_ms(30_000));
    let q = plivo_queue_new(client.0, 8);
    drop(client); // the queue keeps it alive
    for tag in 0..8 {
        assert_eq!(
            stop(&Q(std::ptr::null_mut()), "c", "s", tag),
            PLIVO_ERR_INVALID_ARGUMENT
        );
        let (c, s) = (cstr("c"), cstr("s"));
        assert_eq!(
            plivo_queue_stop_stream(q, c.as_ptr(), s.as_ptr(), tag),
            PLIVO_OK
        );
    }
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    plivo_queue_free(q);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn null_and_bad_arguments_are_answered_as_the_abi_says() {
    assert!(plivo_queue_new(std::ptr::null(), 0).is_null());
    assert_eq!(plivo_last_error_code(), PLIVO_ERR_INVALID_ARGUMENT);
    let server = Server::start(&[]);
    let client = server.client();
    assert!(plivo_queue_new(client.0, 1025).is_null());
    assert_eq!(plivo_last_error_code(), PLIVO_ERR_INVALID_ARGUMENT);
    let null = std::ptr::null_mut();
    assert_eq!(plivo_queue_fd(null), -1);
    assert_eq!(plivo_queue_pending(null), 0);
    assert!(plivo_queue_next(null).is_null());
    assert!(plivo_queue_wait(null, 10).is_null());
    assert_eq!(plivo_queue_cancel(null, 1), PLIVO_ERR_INVALID_ARGUMENT);
    assert_eq!(
        plivo_result_code(std::ptr::null()),
        PLIVO_ERR_INVALID_ARGUMENT
    );
    assert_eq!(plivo_result_tag(std::ptr::null()), 0);
    assert!(plivo_result_body(std::ptr::null()).is_null());
    plivo_result_free(std::ptr::null_mut());
    plivo_queue_free(null);
    let q = queue(&client, 4);
    let ws = cstr("http://not-a-websocket/");
    let c = cstr("c1");
    assert_eq!(
        plivo_queue_start_stream(q.0, c.as_ptr(), ws.as_ptr(), std::ptr::null(), 1),
        PLIVO_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        plivo_queue_list_streams(q.0, std::ptr::null::<c_char>(), 1),
        PLIVO_ERR_INVALID_ARGUMENT
    );
    assert_eq!(plivo_queue_pending(q.0), 0);
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
fn submitters_on_several_threads_each_get_their_results() {
    let server = Server::start(&[]);
    let client = server.client();
    let q = queue(&client, 1024);
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            let q = &q;
            scope.spawn(move || {
                for i in 0..100 {
                    assert_eq!(stop(q, &format!("nocall{t}"), "s", t * 1000 + i), PLIVO_OK);
                }
            });
        }
    });
    let mut tags = Vec::new();
    while let Some(t) = wait(&q, 5_000) {
        assert_eq!(t.code, PLIVO_ERR_NOT_FOUND);
        tags.push(t.tag);
    }
    tags.sort();
    let expected: Vec<u64> = (0..4u64)
        .flat_map(|t| (0..100).map(move |i| t * 1000 + i))
        .collect();
    assert_eq!(tags, expected);
}

#[test]
fn idle_workers_end() {
    let server = Server::start(&[]);
    let client = std::sync::Arc::new(
        plivo::Client::new(Some(AUTH_ID), Some(AUTH_TOKEN), &{
            let mut o = plivo::Options::new();
            o.set_base_url(&server.base_url).unwrap();
            o
        })
        .unwrap(),
    );
    let q = plivo::Queue::new(client, 64).unwrap();
    assert_eq!(q.threads(), 0, "no thread before a submit");
    for tag in 0..32 {
        let request = plivo::Request::StopAllStreams {
            call_uuid: format!("none{tag}"),
        };
        q.submit(request, tag).unwrap();
    }
    let mut results = 0;
    while q.wait(Duration::from_secs(5)).is_some() {
        results += 1;
    }
    assert_eq!(results, 32);
    assert!(q.threads() >= 1, "{}", q.threads());
    std::thread::sleep(Duration::from_millis(2_100));
    assert_eq!(q.threads(), 0, "idle workers ended");
}
