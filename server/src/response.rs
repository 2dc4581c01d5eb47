//! What a handler answers, independent of how it is written to the socket.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use serde::Serialize;
use tokio::time::Sleep;

/// The `Content-Type` of JSON answers.
pub const JSON: &str = "application/json";
/// Size of the `fault-huge-*` / `fault-hugechunked-*` bodies.
pub const HUGE_LEN: u64 = 20 * 1024 * 1024;
/// Delay between bytes of a `fault-drip-*` body.
pub const DRIP_DELAY: Duration = Duration::from_millis(200);

/// Faults that send broken bytes and need the raw socket (see `raw.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawFault {
    Reset,
    CloseHeaders,
    CloseBody,
    BadStatus,
    Garbage,
    ShortBody,
    BadChunk,
    Body204,
    Chunked204,
    /// A 204 whose head and body leave in two writes, the body a moment later.
    Late204,
}

/// The result of handling one request.
pub enum Outcome {
    /// An ordinary HTTP response.
    Reply(Reply),
    /// Read the request, never answer.
    Stall,
    /// Broken bytes that only a raw socket can send (see `raw.rs`).
    Raw(RawFault),
}

/// An ordinary HTTP response.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Payload,
}

/// A response body.
pub enum Payload {
    Empty,
    Full(Bytes),
    /// `len` filler bytes, with Content-Length (`chunked == false`) or chunked.
    Huge {
        len: u64,
        chunked: bool,
    },
    /// These bytes, one every `DRIP_DELAY`, with Content-Length.
    Drip(Bytes),
}

impl Reply {
    /// A response with this body and `Content-Type`.
    pub fn with_body(status: u16, content_type: &str, body: Payload) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", content_type.to_string())],
            body,
        }
    }

    /// A JSON response (`Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Reply {
        let body = serde_json::to_vec(value).expect("serializable");
        Reply::with_body(status, JSON, Payload::Full(Bytes::from(body)))
    }

    /// `{"api_id": "<fresh>", "error": msg}`.
    pub fn error(status: u16, msg: &str) -> Reply {
        Reply::json(
            status,
            &serde_json::json!({ "api_id": new_api_id(), "error": msg }),
        )
    }

    /// `404 {"api_id": ..., "error": "not found"}` (Plivo's pattern).
    pub fn not_found() -> Reply {
        Reply::error(404, "not found")
    }

    /// `405 {"api_id": ..., "error": "method not allowed"}` with an `Allow` header.
    pub fn method_not_allowed(allow: &'static str) -> Reply {
        Reply::error(405, "method not allowed").with_header("allow", allow)
    }

    /// A response without body (e.g. 204).
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Payload::Empty,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

impl From<Reply> for Outcome {
    fn from(r: Reply) -> Outcome {
        Outcome::Reply(r)
    }
}

/// A fresh `api_id`: a version-1 (time-based) UUID, as Plivo's are.
pub fn new_api_id() -> String {
    crate::uuid1::now()
}

static FILLER: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// The body hyper writes for every response (from a `Payload`).
pub enum WireBody {
    Full(Option<Bytes>),
    Repeat {
        remaining: u64,
        exact: bool,
    },
    Drip {
        data: Bytes,
        pos: usize,
        sleep: Pin<Box<Sleep>>,
    },
}

impl From<Payload> for WireBody {
    fn from(p: Payload) -> WireBody {
        match p {
            Payload::Empty => WireBody::Full(None),
            Payload::Full(b) => WireBody::Full(Some(b)),
            Payload::Huge { len, chunked } => WireBody::Repeat {
                remaining: len,
                exact: !chunked,
            },
            Payload::Drip(data) => WireBody::Drip {
                data,
                pos: 0,
                sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
            },
        }
    }
}

/// The next `len.min(64 KiB)` filler bytes.
pub fn filler(len: u64) -> Bytes {
    let n = len.min(FILLER.len() as u64) as usize;
    Bytes::from_static(&FILLER[..n])
}

impl Body for WireBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            WireBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            WireBody::Repeat { remaining, .. } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let chunk = filler(*remaining);
                *remaining -= chunk.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            WireBody::Drip { data, pos, sleep } => {
                if *pos >= data.len() {
                    return Poll::Ready(None);
                }
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let byte = data.slice(*pos..*pos + 1);
                *pos += 1;
                let next = tokio::time::Instant::now() + DRIP_DELAY;
                sleep.as_mut().reset(next);
                Poll::Ready(Some(Ok(Frame::data(byte))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            WireBody::Full(b) => b.as_ref().is_none_or(|b| b.is_empty()),
            WireBody::Repeat { remaining, .. } => *remaining == 0,
            WireBody::Drip { data, pos, .. } => *pos >= data.len(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            WireBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            WireBody::Repeat { remaining, exact } => {
                if *exact {
                    SizeHint::with_exact(*remaining)
                } else {
                    SizeHint::default()
                }
            }
            WireBody::Drip { data, pos, .. } => SizeHint::with_exact((data.len() - *pos) as u64),
        }
    }
}
