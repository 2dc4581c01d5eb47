//! Name resolution without a thread per request.
//!
//! ureq resolves the host on every request, and with a timeout set (we always set one:
//! the call's deadline) its default resolver runs `getaddrinfo` on a new thread each
//! time. A client talks to one host, so: IP literals need no lookup at all, and a name
//! is looked up (with ureq's bounded resolver) at most once per [`CACHE_TTL`].

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
    lookup: DefaultResolver,
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
            return self.lookup.resolve(uri, config, timeout);
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
        let addrs = self.lookup.resolve(uri, config, timeout)?;
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
