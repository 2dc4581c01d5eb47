//! Whether a connection may go back to the pool after an answer, and whether a pooled
//! one may be handed out: the one place that decides, above TLS so that it sees the
//! answer as HTTP and not as ciphertext.
//!
//! The rule: a connection is reused only when nothing of an earlier answer can still
//! arrive on it. ureq already refuses one whose buffer holds unread bytes, and the pool
//! probes the socket before handing a connection out. What neither sees in time is a
//! 204 or 304 that announces a body (`Content-Length: 27`, or chunked): HTTP says those
//! answers have no body, so ureq does not read it, and when the body's bytes come a
//! moment after the head (a second TCP segment, a load balancer flushing late) the
//! connection would already be back in the pool, and the next request would read them
//! as its answer. The real API does send such 204s. So the head of every answer is
//! read here as it arrives, and a connection whose answer announced a body it may not
//! carry is closed instead of pooled — decided by the head, not by timing.
//!
//! Connection events (opened, reused, discarded and why) are counted here and logged
//! through [`super::exchange`], outside ureq's pool lock.

use std::sync::Arc;

use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

use super::cancel;
use super::exchange;
use super::observe::{ConnEvent, Discard, Observer};

/// The bottom of the connector chain: runs whenever an attempt needs a new connection
/// (none in the pool was usable), before any connect, and counts it as opened — so
/// that every attempt counts as opening or reusing one, even when the connect fails.
#[derive(Debug)]
pub(crate) struct OpenCounter {
    pub(crate) observer: Arc<Observer>,
}

impl Connector<()> for OpenCounter {
    type Out = ();

    fn connect(&self, _: &ConnectionDetails, _: Option<()>) -> Result<Option<()>, ureq::Error> {
        self.observer.count_opened();
        Ok(None)
    }
}

/// The top of the connector chain: wraps whatever transport the chain made.
#[derive(Debug)]
pub(crate) struct ReuseGuardConnector {
    pub(crate) observer: Arc<Observer>,
}

impl<In: Transport> Connector<In> for ReuseGuardConnector {
    type Out = Guarded<In>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(inner) = chained else {
            return Ok(None);
        };
        let peer = details
            .uri
            .authority()
            .map_or_else(String::new, |a| a.as_str().to_owned());
        exchange::connection(&self.observer, ConnEvent::Opened, &peer);
        Ok(Some(Guarded {
            inner,
            observer: self.observer.clone(),
            peer,
            awaiting_head: false,
            spoiled: None,
            pooled: false,
            reported: false,
        }))
    }
}

/// A connection with its reuse state.
pub(crate) struct Guarded<T: Transport> {
    inner: T,
    observer: Arc<Observer>,
    /// `host:port` as the base URL names it, for log lines.
    peer: String,
    /// A request was sent and the head of its answer is not yet complete.
    awaiting_head: bool,
    /// Why this connection must not be reused, once known.
    spoiled: Option<Discard>,
    /// In the pool (said open after its answer, not handed out since).
    pooled: bool,
    /// Its discard was already counted.
    reported: bool,
}

impl<T: Transport> std::fmt::Debug for Guarded<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the buffers: the output buffer holds the last request's Authorization.
        f.debug_struct("Guarded")
            .field("peer", &self.peer)
            .field("pooled", &self.pooled)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Guarded<T> {
    fn discard(&mut self, why: Discard) -> bool {
        if !self.reported {
            self.reported = true;
            exchange::connection(&self.observer, ConnEvent::Discarded(why), &self.peer);
        }
        false
    }

    /// Read the head of the answer as far as it has arrived.
    fn look_at_head(&mut self) {
        let mut input = self.inner.buffers().input();
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 128];
            let mut head = httparse::Response::new(&mut headers);
            match head.parse(input) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = head.code.unwrap_or(0);
                    if (100..200).contains(&status) {
                        // An interim answer: the real head follows it.
                        input = &input[len..];
                        continue;
                    }
                    self.awaiting_head = false;
                    if matches!(status, 204 | 304) && announces_body(head.headers) {
                        self.spoiled = Some(Discard::BodyAfterNoContent);
                    }
                    return;
                }
                Ok(httparse::Status::Partial) => return,
                // Not HTTP: ureq reports it, and never pools the connection.
                Err(_) => {
                    self.awaiting_head = false;
                    return;
                }
            }
        }
    }
}

/// Whether a head announces body bytes.
fn announces_body(headers: &[httparse::Header<'_>]) -> bool {
    headers.iter().any(|h| {
        h.name.eq_ignore_ascii_case("transfer-encoding")
            || (h.name.eq_ignore_ascii_case("content-length")
                && std::str::from_utf8(h.value).map_or(true, |v| v.trim() != "0"))
    })
}

impl<T: Transport> Transport for Guarded<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        // No lock is held here: log what happened to connections so far.
        exchange::flush();
        self.awaiting_head = true;
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let progress = self.inner.await_input(timeout)?;
        if self.awaiting_head {
            self.look_at_head();
        }
        Ok(progress)
    }

    /// ureq asks twice: when the answer has been read (may it go back to the pool?)
    /// and when the pool hands it out (is it still good?). Both run under ureq's pool
    /// lock, so events are only queued here.
    fn is_open(&mut self) -> bool {
        if !self.pooled {
            // After an answer: its head and ureq's buffer check have said all there is
            // to say, so no system call is needed.
            if let Some(why) = self.spoiled {
                return self.discard(why);
            }
            if !self.inner.buffers().input().is_empty() {
                return self.discard(Discard::LeftoverBytes);
            }
            self.pooled = true;
            return true;
        }
        // Handed out from the pool: probe the socket once.
        if self.inner.is_open() {
            self.pooled = false;
            exchange::connection(&self.observer, ConnEvent::Reused, &self.peer);
            true
        } else {
            self.discard(Discard::Stale)
        }
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

impl<T: Transport> Drop for Guarded<T> {
    fn drop(&mut self) {
        // A pooled connection dropped by the pool (idle, or the client freed) was
        // never discarded in the sense of the logs; one dropped in use was.
        if !self.pooled && !self.reported {
            let why = if cancel::cancelled() {
                Discard::Cancelled
            } else if let Some(why) = self.spoiled {
                why
            } else if !self.inner.buffers().input().is_empty() {
                // ureq saw unread bytes and closed it without asking `is_open`.
                Discard::LeftoverBytes
            } else {
                Discard::Closed
            };
            self.reported = true;
            exchange::connection(&self.observer, ConnEvent::Discarded(why), &self.peer);
        }
    }
}
