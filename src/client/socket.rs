//! The TCP layer under ureq: connect, send, wait and receive.
//!
//! ureq's own TCP transport sets `SO_RCVTIMEO` to the whole remaining deadline before
//! every read, one `setsockopt` per call because the deadline moves, and checks a pooled
//! connection with three system calls. The kernel runs socket timeouts on its timer
//! wheel, whose granularity grows with the timeout (about 1/8 of it for multi-second
//! waits), so a 10 s deadline could end a quarter of a second late.
//!
//! Here a read is one blocking `recv` bounded by `SO_RCVTIMEO` set to at most
//! [`READ_SLICE`]: short enough that the kernel's timer is exact to one tick, so the
//! last slice (set to what is left of the deadline) ends on time; and constant, so the
//! socket option is set once per connection and not on every call. A long wait is a few
//! wake-ups a second. Waiting with `poll` and then reading costs one more system call
//! per call and, measured on this project's benchmark, about 1 µs. A pooled connection
//! is checked with one `recv(MSG_PEEK)`.
//!
//! Every wait — connect, send, receive — is cut into such slices, and between two
//! slices it looks at the request's cancel flag ([`super::exchange`]): a cancelled
//! request abandons its exchange within one slice, and its connection is closed.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::cancel::{next_slice, Slice};
use super::process::OpenSockets;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};

/// Opens plain TCP connections (to the API host, or to a proxy) for the chain of
/// connectors; TLS and CONNECT tunnels are layered on top by ureq. Records each socket
/// in its pool's [`OpenSockets`] so that a forked child can close its copies.
#[derive(Debug)]
pub(crate) struct DeadlineTcpConnector {
    pub(crate) sockets: Arc<OpenSockets>,
}

impl<In: Transport> Connector<In> for DeadlineTcpConnector {
    type Out = Either<In, DeadlineTcpTransport>;

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
        self.sockets.add(stream.as_raw_fd());
        let config = details.config;
        Ok(Some(Either::B(DeadlineTcpTransport {
            stream,
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
            read_timeout: None,
            sockets: self.sockets.clone(),
        })))
    }
}

/// What a wait cut short by a cancel returns; the transport reports the request as
/// cancelled whatever error ureq makes of it.
fn cancelled() -> ureq::Error {
    ureq::Error::Io(io::Error::new(
        io::ErrorKind::Interrupted,
        "request cancelled",
    ))
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
        match connect_one(addr, deadline) {
            Ok(stream) => return Ok(stream),
            Err(Connect::TimedOut) => return Err(ureq::Error::Timeout(reason)),
            Err(Connect::Cancelled) => return Err(cancelled()),
            Err(Connect::Failed(e)) => last = Some(e),
        }
    }
    Err(last.map_or(ureq::Error::HostNotFound, ureq::Error::Io))
}

enum Connect {
    TimedOut,
    Cancelled,
    Failed(io::Error),
}

/// A non-blocking connect, waited for in slices of at most [`READ_SLICE`] so that a
/// cancel is seen within one slice even while a SYN goes unanswered.
fn connect_one(addr: &SocketAddr, deadline: Option<Instant>) -> Result<TcpStream, Connect> {
    use socket2::{Domain, Protocol, SockAddr, Socket, Type};
    let socket = Socket::new(
        Domain::for_address(*addr),
        Type::STREAM,
        Some(Protocol::TCP),
    )
    .map_err(Connect::Failed)?;
    socket.set_nonblocking(true).map_err(Connect::Failed)?;
    match socket.connect(&SockAddr::from(*addr)) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => loop {
            let slice = match next_slice(deadline, READ_SLICE) {
                Slice::Wait(slice) => slice,
                Slice::Cancelled => return Err(Connect::Cancelled),
                Slice::TimedOut => return Err(Connect::TimedOut),
            };
            if poll_once(socket.as_raw_fd(), libc::POLLOUT, slice).map_err(Connect::Failed)? {
                break;
            }
        },
        Err(e) => return Err(Connect::Failed(e)),
    }
    if let Some(e) = socket.take_error().map_err(Connect::Failed)? {
        return Err(if e.kind() == io::ErrorKind::TimedOut {
            Connect::TimedOut
        } else {
            Connect::Failed(e)
        });
    }
    socket.set_nonblocking(false).map_err(Connect::Failed)?;
    Ok(socket.into())
}

/// One `poll` of one descriptor for at most `limit`: true when ready (or in error,
/// which the next system call on it reports).
fn poll_once(fd: RawFd, events: libc::c_short, limit: Duration) -> io::Result<bool> {
    let mut pollfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // Round up: waking a millisecond late is fine, early is a spurious timeout.
    let millis = limit.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int;
    // SAFETY: one valid pollfd for the duration of the call.
    match unsafe { libc::poll(&mut pollfd, 1, millis) } {
        n if n > 0 => Ok(true),
        0 => Ok(false),
        _ => {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(e)
            }
        }
    }
}

/// The longest single blocking read. The kernel's timer wheel has one-tick granularity
/// for its first 63 ticks (63 ms at HZ=1000, 252 ms at HZ=250); a slice inside that
/// makes the last, shortened slice end exactly when the deadline does.
const READ_SLICE: Duration = Duration::from_millis(50);

pub(crate) struct DeadlineTcpTransport {
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// `SO_RCVTIMEO` as last set on the socket (`None`: never set).
    read_timeout: Option<Duration>,
    /// The pool's set of open sockets, which this one leaves when dropped.
    sockets: Arc<OpenSockets>,
}

impl Drop for DeadlineTcpTransport {
    fn drop(&mut self) {
        self.sockets.remove(self.stream.as_raw_fd());
    }
}

/// ureq requires `Debug` of a transport. The derived one would print the buffers, and
/// the output buffer still holds the last request, `Authorization` header included.
impl std::fmt::Debug for DeadlineTcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadlineTcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .field("read_timeout", &self.read_timeout)
            .finish_non_exhaustive()
    }
}

impl DeadlineTcpTransport {
    /// Bound the next blocking `recv` by `limit` (which must not be zero: zero means
    /// "forever" to the kernel). No system call when it is already set.
    fn set_read_timeout(&mut self, limit: Duration) -> Result<(), ureq::Error> {
        if self.read_timeout == Some(limit) {
            return Ok(());
        }
        self.stream.set_read_timeout(Some(limit))?;
        self.read_timeout = Some(limit);
        Ok(())
    }

    /// Wait until the socket is ready for `events`, in slices that look for a cancel;
    /// false when `timeout` passed first.
    fn wait(&self, events: libc::c_short, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let deadline = (!timeout.after.is_not_happening()).then(|| Instant::now() + *timeout.after);
        loop {
            let slice = match next_slice(deadline, READ_SLICE) {
                Slice::Wait(slice) => slice,
                Slice::Cancelled => return Err(cancelled()),
                Slice::TimedOut => return Ok(false),
            };
            if poll_once(self.stream.as_raw_fd(), events, slice)? {
                return Ok(true);
            }
        }
    }
}

/// Flags of `send` and of the pool probe: never block (a send that would block waits in
/// `poll`, which keeps the write deadline exact), never raise SIGPIPE in the host process.
const NONBLOCKING: libc::c_int = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;

impl Transport for DeadlineTcpTransport {
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
        let timeout = timeout.for_read();
        let deadline = (!timeout.after.is_not_happening()).then(|| Instant::now() + *timeout.after);
        let fd = self.stream.as_raw_fd();
        loop {
            // A cancelled request abandons its exchange within one slice.
            let slice = match next_slice(deadline, READ_SLICE) {
                Slice::Wait(slice) => slice,
                Slice::Cancelled => return Err(cancelled()),
                Slice::TimedOut => return Err(ureq::Error::Timeout(timeout.reason)),
            };
            self.set_read_timeout(slice)?;
            let input = self.buffers.input_append_buf();
            // SAFETY: a valid socket and a writable buffer of `input.len()` bytes.
            let n = unsafe { libc::recv(fd, input.as_mut_ptr().cast(), input.len(), 0) };
            if n >= 0 {
                let n = n as usize;
                self.buffers.input_appended(n);
                return Ok(n > 0);
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                // The slice passed with nothing to read: the loop checks the deadline.
                io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock => {}
                _ => return Err(ureq::Error::Io(e)),
            }
        }
    }

    /// Open means: nothing to read and not closed. Bytes waiting on an idle pooled
    /// connection (a 204's stray body, a close) make it unusable. Asked by the pool when
    /// it hands the connection out; whether it may go back to the pool after an answer
    /// is decided above TLS, by [`super::reuse`].
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn debug_shows_no_buffer_contents() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let mut transport = DeadlineTcpTransport {
            stream: Arc::new(stream),
            buffers: LazyBuffers::new(1024, 1024),
            read_timeout: None,
            sockets: Arc::new(OpenSockets::new(1)),
        };
        let request = b"authorization: Basic c2VjcmV0LXRva2Vu";
        transport.buffers().output()[..request.len()].copy_from_slice(request);
        let shown = format!("{transport:?}");
        assert!(shown.contains("DeadlineTcpTransport"), "{shown}");
        assert!(shown.contains("127.0.0.1"), "{shown}");
        // The bytes would be printed as numbers by a derived Debug: "97, 117, 116".
        assert!(!shown.contains("97, 117, 116"), "{shown}");
        assert!(!shown.contains("Basic"), "{shown}");
    }
}
