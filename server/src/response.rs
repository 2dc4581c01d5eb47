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

use crate::faults::RawFault;

/// Size of the `fault-huge-*` / `fault-hugechunked-*` bodies.
pub const HUGE_LEN: u64 = 20 * 1024 * 1024;
/// Delay between bytes of a `fault-drip-*` body.
pub const DRIP_DELAY: Duration = Duration::from_millis(200);

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
    /// A JSON response (`Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Reply {
        let body = serde_json::to_vec(value).expect("serializable");
        Reply {
            status,
            headers: vec![("content-type", "application/json".to_string())],
            body: Payload::Full(Bytes::from(body)),
        }
    }

    /// `{"api_id": "<fresh>", "error": msg}`.
    pub fn error(status: u16, msg: &str) -> Reply {
        Reply::json(
            status,
            &serde_json::json!({ "api_id": new_api_id(), "error": msg }),
        )
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

/// A fresh `api_id` (uuid v4).
pub fn new_api_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

static FILLER: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// The hyper body type for every response.
pub enum ResBody {
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

impl From<Payload> for ResBody {
    fn from(p: Payload) -> ResBody {
        match p {
            Payload::Empty => ResBody::Full(None),
            Payload::Full(b) => ResBody::Full(Some(b)),
            Payload::Huge { len, chunked } => ResBody::Repeat {
                remaining: len,
                exact: !chunked,
            },
            Payload::Drip(data) => ResBody::Drip {
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

impl Body for ResBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ResBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            ResBody::Repeat { remaining, .. } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let chunk = filler(*remaining);
                *remaining -= chunk.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            ResBody::Drip { data, pos, sleep } => {
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
            ResBody::Full(b) => b.as_ref().is_none_or(|b| b.is_empty()),
            ResBody::Repeat { remaining, .. } => *remaining == 0,
            ResBody::Drip { data, pos, .. } => *pos >= data.len(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            ResBody::Repeat { remaining, exact } => {
                if *exact {
                    SizeHint::with_exact(*remaining)
                } else {
                    SizeHint::default()
                }
            }
            ResBody::Drip { data, pos, .. } => SizeHint::with_exact((data.len() - *pos) as u64),
        }
    }
}
