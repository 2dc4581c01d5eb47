//! A client made before `fork()` works in the child: the child never uses a connection
//! the parent opened, and never waits on a lock held by a thread that does not exist
//! in it. (Forking SIP servers build their modules' state first and fork workers after.)
//!
//! One test function, so that no other test's thread is inside the library when this
//! process forks; children report through their exit status only.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::net::{response, KeepAliveServer};
use common::*;
use plivo::ffi::*;
use PlivoCode::*;

const NO_ACTIVE: &str = r#"{"api_id":"a-400","error":"No active stream found"}"#;

fn server() -> KeepAliveServer {
    KeepAliveServer::start(|line| {
        let now = Duration::ZERO;
        if line.contains("/Call/slow") {
            vec![(
                Duration::from_millis(1500),
                b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
            )]
        } else if line.contains("/Call/ok") {
            vec![(now, b"HTTP/1.1 204 No Content\r\n\r\n".to_vec())]
        } else if line.contains("/Call/gone") {
            vec![(now, response("400 Bad Request", NO_ACTIVE))]
        } else {
            vec![(now, response("404 Not Found", r#"{"error":"not found"}"#))]
        }
    })
}

/// Process `n`'s i-th call and the code its own answer calls for: each process walks
/// the three answers in its own order, so another process's answer shows as a wrong code.
fn nth_call(n: usize, i: usize) -> (&'static str, PlivoCode) {
    match (n + i) % 3 {
        0 => ("ok-1", PLIVO_OK),
        1 => ("gone-1", PLIVO_ERR_NO_ACTIVE_STREAM),
        _ => ("missing-1", PLIVO_ERR_NOT_FOUND),
    }
}

/// Calls made as process `n`; how many came back with a wrong code.
fn calls(client: &TestClient, n: usize, count: usize) -> usize {
    (0..count)
        .filter(|&i| {
            let (call, expected) = nth_call(n, i);
            client.stop(call, "s1") != expected
        })
        .count()
}

/// Fork; the child runs `body` and exits with its value (never returns).
fn fork_child(body: impl FnOnce() -> i32) -> libc::pid_t {
    // SAFETY: the child only runs library calls and `_exit`s: it never returns into the
    // test harness, whose other threads do not exist there.
    match unsafe { libc::fork() } {
        -1 => panic!("fork failed: {}", std::io::Error::last_os_error()),
        0 => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(99);
            // SAFETY: ends the child without running the parent's exit handlers.
            unsafe { libc::_exit(code) }
        }
        pid => pid,
    }
}

/// The child's exit status, or None (after killing it) when it is still running at
/// `deadline`.
fn reap(pid: libc::pid_t, deadline: Instant) -> Option<i32> {
    loop {
        let mut status = 0;
        // SAFETY: our own child; `status` is a valid out-pointer.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            return Some(if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                128 + libc::WTERMSIG(status)
            });
        }
        if Instant::now() >= deadline {
            // SAFETY: our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_client_made_before_fork_serves_parent_and_children_alike() {
    let server = server();
    let client = Arc::new(client_at(
        &server.base_url(),
        timeout_and_retries(10_000, 0),
    ));

    // 1. Parent and four children at once on a client the parent used (so it holds a
    //    pooled connection when it forks): 200 calls each, every code its own.
    client.assert_stops("ok-1", "s1");
    let children: Vec<libc::pid_t> = (1..=4)
        .map(|n| {
            let client = client.clone();
            fork_child(move || calls(&client, n, 200).min(90) as i32)
        })
        .collect();
    let parent_wrong = calls(&client, 0, 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    let statuses: Vec<Option<i32>> = children.iter().map(|&pid| reap(pid, deadline)).collect();
    assert_eq!(parent_wrong, 0, "the parent got other processes' answers");
    assert_eq!(
        statuses,
        vec![Some(0); 4],
        "children: Some(wrong answers) or None (hung)"
    );

    // 2. Fork while 8 threads are inside calls on the client, one of them waiting on a
    //    slow answer: each child must make 50 calls of its own within 5 s. 10 rounds.
    for round in 0..10 {
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (client, stop) = (client.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut wrong = 0;
                    let mut i = 0;
                    while !stop.load(Ordering::Relaxed) {
                        if t == 0 {
                            wrong += usize::from(client.stop("slow-1", "s1") != PLIVO_OK);
                        } else {
                            let (call, expected) = nth_call(t, i);
                            wrong += usize::from(client.stop(call, "s1") != expected);
                        }
                        i += 1;
                    }
                    wrong
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(20 + 7 * round));
        let child = {
            let client = client.clone();
            fork_child(move || calls(&client, round as usize, 50).min(90) as i32)
        };
        let status = reap(child, Instant::now() + Duration::from_secs(5));
        stop.store(true, Ordering::Relaxed);
        let wrong: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(
            status,
            Some(0),
            "round {round}: child (None = not done in 5 s)"
        );
        assert_eq!(wrong, 0, "round {round}: parent threads got wrong answers");
    }

    // 3. A queue belongs to its process: in the child the inherited one refuses work
    //    without touching the parent's threads, and a new queue on the same client works.
    let queue = plivo_queue_new(client.0, 4) as usize;
    let (c, s) = (cstr("ok-1"), cstr("s1"));
    assert_eq!(
        plivo_queue_stop_stream(queue as *mut _, c.as_ptr(), s.as_ptr(), 1),
        PLIVO_OK
    );
    let child = {
        let client = client.clone();
        fork_child(move || {
            let inherited = queue as *mut PlivoQueue;
            let (c, s) = (cstr("ok-1"), cstr("s1"));
            let refused = plivo_queue_stop_stream(inherited, c.as_ptr(), s.as_ptr(), 2)
                == PLIVO_ERR_INVALID_ARGUMENT
                && last_error().is_some_and(|m| m.contains("another process"))
                && plivo_queue_cancel(inherited, 1) == PLIVO_ERR_INVALID_ARGUMENT
                && plivo_queue_next(inherited).is_null()
                && plivo_queue_wait(inherited, 10).is_null()
                && plivo_queue_pending(inherited) == 0
                && plivo_queue_fd(inherited) == -1;
            plivo_queue_free(inherited);
            let own = plivo_queue_new(client.0, 4);
            let ok = plivo_queue_stop_stream(own, c.as_ptr(), s.as_ptr(), 3) == PLIVO_OK;
            let result = plivo_queue_wait(own, 5_000);
            let works =
                ok && plivo_result_code(result) == PLIVO_OK && plivo_result_tag(result) == 3;
            plivo_result_free(result);
            plivo_queue_free(own);
            i32::from(!refused) + 2 * i32::from(!works)
        })
    };
    assert_eq!(
        reap(child, Instant::now() + Duration::from_secs(10)),
        Some(0)
    );
    let result = plivo_queue_wait(queue as *mut _, 5_000);
    assert_eq!(
        plivo_result_code(result),
        PLIVO_OK,
        "the parent's queue is untouched"
    );
    assert_eq!(plivo_result_tag(result), 1);
    plivo_result_free(result);
    plivo_queue_free(queue as *mut _);

    // 4. A child may free an inherited client: it closes its copies of the parent's
    //    connections without shutting them down, so the parent goes on using its own.
    let other = client_at(&server.base_url(), |_| {});
    assert_eq!(other.stop("ok-1", "s1"), PLIVO_OK);
    let accepted = server.accepted.load(Ordering::SeqCst);
    let raw = other.0 as usize;
    let child = fork_child(move || {
        plivo_client_free(raw as *mut PlivoClient);
        0
    });
    assert_eq!(
        reap(child, Instant::now() + Duration::from_secs(5)),
        Some(0)
    );
    for _ in 0..5 {
        other.assert_stops("ok-1", "s1");
    }
    assert_eq!(
        server.accepted.load(Ordering::SeqCst),
        accepted,
        "the parent's pooled connections survived the child's free"
    );
}
