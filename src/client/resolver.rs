//! Name resolution without a thread per request, and one a cancel can cut short.
//!
//! ureq resolves the host on every request, and with a timeout set (we always set one:
//! the call's deadline) its default resolver runs `getaddrinfo` on a new thread each
//! time. A client talks to one host, so: IP literals need no lookup at all, and a name
//! is looked up at most once per [`CACHE_TTL`].
//!
//! `getaddrinfo` cannot be interrupted, so a lookup runs on a short-lived thread of its
//! own (as ureq's does) while the request's thread waits for it in slices, looking for
//! a cancel between them: a cancelled request (or a freed queue) does not wait for a
//! slow DNS server, and the lookup thread, which never calls the host, ends on its own.

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a looked-up address list is reused.
const CACHE_TTL: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    fallback: DefaultResolver,
    cached: Mutex<Option<Cached>>,
}

#[derive(Debug)]
struct Cached {
    host_port: (String, u16),
    addrs: ResolvedSocketAddrs,
    at: Instant,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some((host, port)) = host_port(uri) else {
            return self.fallback.resolve(uri, config, timeout);
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = (host.to_owned(), port);
        if let Some(hit) = self.cached.lock().ok().and_then(|c| {
            c.as_ref()
                .filter(|c| c.host_port == key && c.at.elapsed() < CACHE_TTL)
                .map(|c| c.addrs.clone())
        }) {
            return Ok(hit);
        }
        let addrs = lookup(host, port, config, timeout, self.empty())?;
        if let Ok(mut cached) = self.cached.lock() {
            *cached = Some(Cached {
                host_port: key,
                addrs: addrs.clone(),
                at: Instant::now(),
            });
        }
        Ok(addrs)
    }
}

fn host_port(uri: &Uri) -> Option<(&str, u16)> {
    let authority = uri.authority()?;
    let port = authority.port_u16().or(match uri.scheme_str()? {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    })?;
    Some((authority.host().trim_matches(['[', ']']), port))
}

/// How often a waiting lookup looks for a cancel.
const LOOKUP_SLICE: Duration = Duration::from_millis(50);

/// Look `host` up on a thread of its own, waiting for it within `timeout` and only as
/// long as the request is not cancelled.
fn lookup(
    host: &str,
    port: u16,
    config: &Config,
    timeout: NextTimeout,
    mut addrs: ResolvedSocketAddrs,
) -> Result<ResolvedSocketAddrs, ureq::Error> {
    use std::net::ToSocketAddrs;
    use std::sync::mpsc::{sync_channel, RecvTimeoutError};
    let name = (host.to_owned(), port);
    let (tx, rx) = sync_channel(1);
    std::thread::Builder::new()
        .name("plivo-lookup".into())
        .spawn(move || {
            let found = name.to_socket_addrs().map(|a| a.collect::<Vec<_>>());
            let _ = tx.send(found);
        })?;
    let deadline = (!timeout.after.is_not_happening()).then(|| Instant::now() + *timeout.after);
    let found = loop {
        let slice = match super::cancel::next_slice(deadline, LOOKUP_SLICE) {
            super::cancel::Slice::Wait(slice) => slice,
            super::cancel::Slice::Cancelled => {
                return Err(ureq::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "request cancelled",
                )))
            }
            super::cancel::Slice::TimedOut => return Err(ureq::Error::Timeout(timeout.reason)),
        };
        match rx.recv_timeout(slice) {
            Ok(found) => break found?,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Err(ureq::Error::HostNotFound),
        }
    };
    // ureq keeps at most 16 addresses (its `ResolvedSocketAddrs` holds no more).
    for addr in config.ip_family().keep_wanted(found.into_iter()).take(16) {
        addrs.push(addr);
    }
    if addrs.is_empty() {
        return Err(ureq::Error::HostNotFound);
    }
    Ok(addrs)
}
