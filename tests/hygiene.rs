//! Connection hygiene: a kept-alive connection goes back to the pool only when nothing
//! of an earlier answer can still arrive on it. The real API answers 204 *with* a JSON
//! body; HTTP says a 204 has none, so those bytes are never read as its body, and a
//! connection that kept them would hand them to the next request as its answer.

mod common;

use std::time::Duration;

use common::net::{response, Answer, KeepAliveServer};
use common::*;
use plivo::ffi::*;
use PlivoCode::*;

const NO_ACTIVE: &str = r#"{"api_id":"a-400","error":"No active stream found"}"#;

/// Answers `/Call/ok…` with 204 plus a body (how is the test's choice), `/Call/gone…`
/// with 400 "No active stream found", anything else 404.
fn server(no_content: impl Fn() -> Answer + Send + Sync + 'static) -> KeepAliveServer {
    KeepAliveServer::start(move |line| {
        if line.contains("/Call/ok") {
            no_content()
        } else if line.contains("/Call/gone") {
            vec![(Duration::ZERO, response("400 Bad Request", NO_ACTIVE))]
        } else {
            vec![(
                Duration::ZERO,
                response("404 Not Found", r#"{"error":"not found"}"#),
            )]
        }
    })
}

fn no_content_head(extra: &str) -> String {
    format!("HTTP/1.1 204 No Content\r\nContent-Type: application/json\r\n{extra}\r\n")
}

const STOPPED: &str = r#"{"api_id":"a-204","message":"stream stopped"}"#;

/// Alternate `rounds` stops that are answered 204-with-body with stops answered 400 and
/// 404 on one client: every code must be the one its own answer calls for.
fn alternate(server: &KeepAliveServer, rounds: usize) {
    let client = client_at(&server.base_url(), max_retries(0));
    let mut wrong = Vec::new();
    for i in 0..rounds {
        let (call, expected) = match i % 3 {
            0 => ("ok-1", PLIVO_OK),
            1 => ("gone-1", PLIVO_ERR_NO_ACTIVE_STREAM),
            _ => ("missing-1", PLIVO_ERR_NOT_FOUND),
        };
        let got = client.stop(call, "s1");
        if got != expected {
            wrong.push(format!("call {i}: {got:?} for {call}: {:?}", last_error()));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong of {rounds}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn a_204_whose_body_comes_in_the_same_write_never_spoils_the_next_answer() {
    let server = server(|| {
        let head = no_content_head(&format!("Content-Length: {}\r\n", STOPPED.len()));
        vec![(
            Duration::ZERO,
            [head.as_bytes(), STOPPED.as_bytes()].concat(),
        )]
    });
    alternate(&server, 150);
}

/// The body a moment after the head: when the client has already read the head and
/// handed the connection back, only the head can say the bytes are coming.
#[test]
fn a_204_whose_body_comes_a_moment_later_never_spoils_the_next_answer() {
    let server = server(|| {
        let head = no_content_head(&format!("Content-Length: {}\r\n", STOPPED.len()));
        vec![
            (Duration::ZERO, head.into_bytes()),
            (Duration::from_millis(2), STOPPED.as_bytes().to_vec()),
        ]
    });
    alternate(&server, 150);
}

#[test]
fn a_chunked_204_never_spoils_the_next_answer() {
    let server = server(|| {
        let head = no_content_head("Transfer-Encoding: chunked\r\n");
        let chunk = format!("{:x}\r\n{STOPPED}\r\n0\r\n\r\n", STOPPED.len());
        vec![
            (Duration::ZERO, head.into_bytes()),
            (Duration::from_millis(1), chunk.into_bytes()),
        ]
    });
    alternate(&server, 150);
}

/// The general rule, beyond 204: bytes after a complete answer (here a stray second
/// response, sent with the first in one write) make the connection unusable.
#[test]
fn bytes_after_a_complete_answer_close_the_connection() {
    let server = server(|| {
        let ok = "HTTP/1.1 204 No Content\r\n\r\n";
        let stray = response("400 Bad Request", NO_ACTIVE);
        vec![(Duration::ZERO, [ok.as_bytes(), &stray].concat())]
    });
    alternate(&server, 90);
}

/// A plain 204 keeps its connection: hygiene must not cost keep-alive.
#[test]
fn a_plain_204_keeps_its_connection() {
    let server = server(|| vec![(Duration::ZERO, b"HTTP/1.1 204 No Content\r\n\r\n".to_vec())]);
    let client = client_at(&server.base_url(), |_| {});
    for _ in 0..20 {
        client.assert_stops("ok-1", "s1");
    }
    assert_eq!(server.accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// The server restarts while the client holds a pooled connection to it: the next call
/// finds the old connection dead in the pool and succeeds on a new one.
#[test]
fn a_server_restart_is_survived_on_a_new_connection() {
    let first = Server::start(&["c1:s1,s2"]);
    let client = first.client();
    client.assert_stops("c1", "s1");
    let port = first
        .base_url
        .trim_end_matches("/v1/")
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    drop(first); // killed: its end of the pooled connection is closed
    let listen = format!("127.0.0.1:{port}");
    let second = Server::start_with(&["--listen", &listen, "--seed", "c1:s1,s2"]);
    assert_eq!(second.base_url, format!("http://127.0.0.1:{port}/v1/"));
    for stream in ["s1", "s2"] {
        client.assert_stops("c1", stream);
    }
}
