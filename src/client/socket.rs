//! The TCP layer under ureq: connect, send, wait and receive with `poll(2)`.
//!
//! ureq's own TCP transport bounds each read with `SO_RCVTIMEO`, set again on every call
//! because the deadline moves, and checks a pooled connection with three system calls.
//! `SO_RCVTIMEO` runs on the kernel's timer wheel, whose granularity grows with the
//! timeout (about 256 ms for multi-second waits on a 250 Hz kernel), so a 10 s deadline
//! could end 0.25 s late. `poll` uses high-resolution timers, needs no per-call
//! `setsockopt`, and a pooled connection is checked with one `recv(MSG_PEEK)`.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};

/// Opens plain TCP connections (to the API host, or to a proxy) for the chain of
/// connectors; TLS and CONNECT tunnels are layered on top by ureq.
#[derive(Debug, Default)]
pub(crate) struct PollingTcpConnector;

impl<In: Transport> Connector<In> for PollingTcpConnector {
    type Out = Either<In, PollingTcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if let Some(transport) = chained {
            return Ok(Some(Either::A(transport)));
        }
        let limit = (!details.timeout.after.is_not_happening()).then(|| *details.timeout.after);
        let stream = connect_any(&details.addrs, limit, details.timeout.reason)?;
        stream.set_nodelay(details.config.no_delay())?;
        let stream = Arc::new(stream);
        (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
        let config = details.config;
        Ok(Some(Either::B(PollingTcpTransport {
            stream,
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
        })))
    }
}

/// Try each address in turn, all within `limit`.
fn connect_any(
    addrs: &[SocketAddr],
    limit: Option<Duration>,
    reason: ureq::Timeout,
) -> Result<TcpStream, ureq::Error> {
    let deadline = limit.map(|l| Instant::now() + l);
    let mut last = None;
    for addr in addrs {
        let attempt = match deadline {
            None => TcpStream::connect(addr),
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => TcpStream::connect_timeout(addr, left),
                _ => return Err(ureq::Error::Timeout(reason)),
            },
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                return Err(ureq::Error::Timeout(reason))
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or(ureq::Error::HostNotFound, ureq::Error::Io))
}

#[derive(Debug)]
pub(crate) struct PollingTcpTransport {
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
}

impl PollingTcpTransport {
    /// Wait until the socket is ready for `events`; false when `timeout` passed first.
    fn wait(&self, events: libc::c_short, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let deadline = (!timeout.after.is_not_happening()).then(|| Instant::now() + *timeout.after);
        loop {
            let millis = match deadline {
                None => -1,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(false);
                    }
                    // Round up: waking a millisecond late is fine, early is a spurious timeout.
                    left.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int
                }
            };
            let mut fd = libc::pollfd {
                fd: self.stream.as_raw_fd(),
                events,
                revents: 0,
            };
            // SAFETY: one valid pollfd for the duration of the call.
            match unsafe { libc::poll(&mut fd, 1, millis) } {
                n if n > 0 => return Ok(true),
                0 => continue, // re-check the deadline; loop ends when it has passed
                _ => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(ureq::Error::Io(e));
                    }
                }
            }
        }
    }
}

/// `recv`/`send` flags: never block (waiting is `poll`'s job), never raise SIGPIPE in
/// the host process.
const NONBLOCKING: libc::c_int = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;

impl Transport for PollingTcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        let fd = self.stream.as_raw_fd();
        let mut sent = 0;
        while sent < amount {
            let rest = &self.buffers.output()[sent..amount];
            // SAFETY: a valid socket and a readable buffer of `rest.len()` bytes.
            let n = unsafe { libc::send(fd, rest.as_ptr().cast(), rest.len(), NONBLOCKING) };
            if n >= 0 {
                sent += n as usize;
                continue;
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => {}
                io::ErrorKind::WouldBlock => {
                    if !self.wait(libc::POLLOUT, timeout)? {
                        return Err(ureq::Error::Timeout(timeout.reason));
                    }
                }
                _ => return Err(ureq::Error::Io(e)),
            }
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        // Wait first: after a request has been sent the answer is rarely there yet, so
        // this is one `poll` and one `recv` per read.
        if !self.wait(libc::POLLIN, timeout.for_read())? {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        let fd = self.stream.as_raw_fd();
        loop {
            let input = self.buffers.input_append_buf();
            // SAFETY: a valid socket and a writable buffer of `input.len()` bytes.
            let n = unsafe { libc::recv(fd, input.as_mut_ptr().cast(), input.len(), NONBLOCKING) };
            if n >= 0 {
                let n = n as usize;
                self.buffers.input_appended(n);
                return Ok(n > 0);
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                // Readable but nothing to read (a spurious wake-up): wait again.
                io::ErrorKind::Interrupted => {}
                io::ErrorKind::WouldBlock => {
                    if !self.wait(libc::POLLIN, timeout.for_read())? {
                        return Err(ureq::Error::Timeout(timeout.reason));
                    }
                }
                _ => return Err(ureq::Error::Io(e)),
            }
        }
    }

    /// Open means: nothing to read and not closed. Bytes waiting on an idle pooled
    /// connection (a 204's stray body, a close) make it unusable.
    fn is_open(&mut self) -> bool {
        let mut byte = 0u8;
        // SAFETY: a valid socket and a one-byte buffer.
        let n = unsafe {
            libc::recv(
                self.stream.as_raw_fd(),
                (&mut byte as *mut u8).cast(),
                1,
                libc::MSG_PEEK | NONBLOCKING,
            )
        };
        n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock
    }
}
