//! Raw fault modes: broken bytes written straight to the socket.
//!
//! Every connection is served by hyper over a `FaultSocket`, a thin wrapper around the
//! `TcpStream`. When a handler decides on a raw fault it arms the connection's
//! `ArmedFault` and hands hyper a tiny placeholder response (`200`, empty body). hyper
//! writes that placeholder in a single `poll_write` (vectored writes are off, so head
//! and body are flattened into one buffer); `FaultSocket` swallows exactly that write and
//! puts the fault's bytes on the wire instead. Then it either reports success (the
//! "keep open" modes: hyper goes on serving the connection) or fails the write so hyper
//! drops the connection (the "close" modes; `Reset` also sets SO_LINGER 0 first so the
//! close is a TCP RST). This works on any request of any connection, fresh or reused.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::response::{new_api_id, RawFault};
use crate::state::lock;

/// The bytes a raw fault sends and whether the connection stays open afterwards.
/// `None` for `Reset` (no byte at all).
pub fn fault_bytes(fault: RawFault) -> Option<(Vec<u8>, bool)> {
    let json_err = |what: &str| format!("{{\"api_id\":\"{}\",\"error\":\"{what}\"}}", new_api_id());
    let json_head = |extra: &str| {
        format!("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n{extra}\r\n")
    };
    // A 400 announcing `announced` body bytes and sending only the first `sent`.
    let cut_short = |what: &str, announced: usize, sent: usize| {
        let body = json_err(what);
        let mut v = json_head(&format!("Content-Length: {announced}\r\n")).into_bytes();
        v.extend_from_slice(&body.as_bytes()[..sent]);
        (v, false)
    };
    let out = match fault {
        RawFault::Reset => return None,
        RawFault::CloseHeaders => (b"HTTP/1.1 204 No Content\r\nContent-Ty".to_vec(), false),
        RawFault::CloseBody => cut_short("injected closebody", 100, 10),
        RawFault::BadStatus => (b"HTTP/1.1 abc Nope\r\n\r\n".to_vec(), false),
        RawFault::Garbage => (b"\x00\x01SSH-2.0-garbage\r\n\r\n".to_vec(), false),
        RawFault::ShortBody => cut_short("injected shortbody", 1000, 40),
        RawFault::BadChunk => {
            let mut v = json_head("Transfer-Encoding: chunked\r\n").into_bytes();
            v.extend_from_slice(b"5\r\nhello\r\nZZ\r\n...");
            (v, false)
        }
        // The same bytes; `pause_of` splits a Late204 after its head.
        RawFault::Body204 | RawFault::Late204 => {
            let body = stopped_body();
            let head = format!(
                "HTTP/1.1 204 No Content\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            ([head.into_bytes(), body.into_bytes()].concat(), true)
        }
        RawFault::Chunked204 => {
            let body = stopped_body();
            let msg = format!(
                "HTTP/1.1 204 No Content\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
                body.len()
            );
            (msg.into_bytes(), true)
        }
    };
    Some(out)
}

/// The body a faulty 204 carries although a 204 has none: what a stop's JSON would say.
fn stopped_body() -> String {
    format!(
        "{{\"api_id\":\"{}\",\"message\":\"stream stopped\"}}",
        new_api_id()
    )
}

/// Per-connection switch from the handler to the socket wrapper.
#[derive(Default)]
pub struct ArmedFault {
    armed: AtomicBool,
    fault: Mutex<Option<RawFault>>,
}

impl ArmedFault {
    /// Makes the next response write of this connection send `fault` instead.
    pub fn arm(&self, fault: RawFault) {
        *lock(&self.fault) = Some(fault);
        self.armed.store(true, Ordering::Release);
    }

    fn take(&self) -> Option<RawFault> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        self.armed.store(false, Ordering::Release);
        lock(&self.fault).take()
    }
}

struct PendingRaw {
    bytes: Vec<u8>,
    pos: usize,
    keep_open: bool,
    /// Where the bytes pause, and the pause (204late: head, 5 ms, body).
    pause: Option<(usize, Pin<Box<tokio::time::Sleep>>)>,
}

/// Where a fault's bytes pause: after the head of a `Late204`.
fn pause_of(fault: RawFault, bytes: &[u8]) -> Option<(usize, Pin<Box<tokio::time::Sleep>>)> {
    if !matches!(fault, RawFault::Late204) {
        return None;
    }
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let pause = tokio::time::sleep(std::time::Duration::from_millis(5));
    Some((head_end, Box::pin(pause)))
}

/// The socket as hyper sees it (see the module doc).
pub struct FaultSocket {
    tcp: TcpStream,
    ctl: std::sync::Arc<ArmedFault>,
    pending: Option<PendingRaw>,
}

impl FaultSocket {
    pub fn new(tcp: TcpStream, ctl: std::sync::Arc<ArmedFault>) -> Self {
        FaultSocket {
            tcp,
            ctl,
            pending: None,
        }
    }
}

impl AsyncRead for FaultSocket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultSocket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.pending.is_none() {
            match this.ctl.take() {
                None => return Pin::new(&mut this.tcp).poll_write(cx, buf),
                Some(fault) => match fault_bytes(fault) {
                    None => {
                        let _ = this.tcp.set_zero_linger();
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::ConnectionReset,
                            "injected reset",
                        )));
                    }
                    Some((bytes, keep_open)) => {
                        this.pending = Some(PendingRaw {
                            pause: pause_of(fault, &bytes),
                            bytes,
                            pos: 0,
                            keep_open,
                        })
                    }
                },
            }
        }
        let FaultSocket { tcp, pending, .. } = this;
        let p = pending.as_mut().expect("pending raw bytes");
        while p.pos < p.bytes.len() {
            let end = match &mut p.pause {
                Some((at, pause)) if p.pos == *at => {
                    if pause.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    p.pause = None;
                    p.bytes.len()
                }
                Some((at, _)) => *at,
                None => p.bytes.len(),
            };
            match Pin::new(&mut *tcp).poll_write(cx, &p.bytes[p.pos..end]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => p.pos += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let keep_open = p.keep_open;
        *pending = None;
        if keep_open {
            // Pretend hyper's placeholder response was written.
            Poll::Ready(Ok(buf.len()))
        } else {
            Poll::Ready(Err(io::Error::other("raw fault: closing the connection")))
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        false
    }
}
