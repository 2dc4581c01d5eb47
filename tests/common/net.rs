//! Loopback peers for option tests: a TLS server with its own CA, and an HTTP CONNECT
//! proxy that records what it was asked. Their threads live until the test process
//! ends.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

/// Read an HTTP head (up to and including the blank line) one byte at a time, so that
/// no byte after it is consumed.
fn read_head(stream: &mut impl Read) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// A TLS server answering every request with 204, with a certificate for `names`
/// issued by a fresh CA whose PEM is in `ca_file`.
pub struct TlsServer {
    pub port: u16,
    pub ca_file: PathBuf,
    /// Request lines received, e.g. `DELETE /v1/... HTTP/1.1`.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl TlsServer {
    pub fn start(names: &[&str]) -> TlsServer {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "libplivo test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let leaf = CertificateParams::new(names)
            .unwrap()
            .signed_by(&leaf_key, &ca)
            .unwrap();

        let ca_file = std::env::temp_dir().join(format!(
            "libplivo-test-ca-{}-{}.pem",
            std::process::id(),
            super::unique("ca")
        ));
        std::fs::write(&ca_file, ca.pem()).unwrap();

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .unwrap();
        let config = Arc::new(config);

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let (config, seen) = (Arc::clone(&config), Arc::clone(&seen));
                std::thread::spawn(move || {
                    let conn = rustls::ServerConnection::new(config).unwrap();
                    let mut tls = rustls::StreamOwned::new(conn, tcp);
                    while let Some(head) = read_head(&mut tls) {
                        seen.lock()
                            .unwrap()
                            .push(head.lines().next().unwrap_or("").to_owned());
                        let answer = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
                        if tls.write_all(answer).and_then(|_| tls.flush()).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        TlsServer {
            port,
            ca_file,
            requests,
        }
    }
}

/// What the proxy was asked: the CONNECT target and the Proxy-Authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnel {
    pub target: String,
    pub authorization: Option<String>,
}

/// An HTTP CONNECT proxy on loopback. `route` maps the requested `host:port` to the
/// loopback address actually dialled, so tests can use names like `api.plivo.test`
/// without any lookup leaving the machine.
pub struct ConnectProxy {
    pub port: u16,
    pub tunnels: Arc<Mutex<Vec<Tunnel>>>,
}

impl ConnectProxy {
    pub fn start(route: impl Fn(&str) -> String + Send + Sync + 'static) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&tunnels);
        let route = Arc::new(route);
        std::thread::spawn(move || {
            for mut client in listener.incoming().flatten() {
                let (seen, route) = (Arc::clone(&seen), Arc::clone(&route));
                std::thread::spawn(move || {
                    let Some(head) = read_head(&mut client) else {
                        return;
                    };
                    let mut words = head.split_whitespace();
                    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                    seen.lock().unwrap().push(Tunnel {
                        target: target.to_owned(),
                        authorization: header(&head, "Proxy-Authorization").map(str::to_owned),
                    });
                    if method != "CONNECT" {
                        let _ = client.write_all(
                            b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n",
                        );
                        return;
                    }
                    let Ok(upstream) = TcpStream::connect(route(target)) else {
                        let _ = client
                            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
                        return;
                    };
                    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    splice(client, upstream);
                });
            }
        });
        ConnectProxy { port, tunnels }
    }
}

fn splice(client: TcpStream, upstream: TcpStream) {
    let (mut c_read, mut u_write) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let forward = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut u_write);
        let _ = u_write.shutdown(Shutdown::Write);
    });
    let (mut u_read, mut c_write) = (upstream, client);
    let _ = std::io::copy(&mut u_read, &mut c_write);
    let _ = c_write.shutdown(Shutdown::Write);
    let _ = forward.join();
}

/// How a [`KeepAliveServer`] answers one request: byte runs written one after another,
/// each after its delay (a real server's head and body may leave in one segment or in
/// two a moment apart).
pub type Answer = Vec<(std::time::Duration, Vec<u8>)>;

/// A loopback HTTP/1.1 server that keeps connections alive and answers each request by
/// its request line, one thread per connection, as long as the test process lives.
pub struct KeepAliveServer {
    pub port: u16,
    /// Connections accepted so far.
    pub accepted: Arc<std::sync::atomic::AtomicUsize>,
}

impl KeepAliveServer {
    pub fn start(answer: impl Fn(&str) -> Answer + Send + Sync + 'static) -> KeepAliveServer {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_nodelay(true);
                    while let Some(head) = read_head(&mut stream) {
                        let line = head.lines().next().unwrap_or("").to_owned();
                        for (delay, bytes) in answer(&line) {
                            if !delay.is_zero() {
                                std::thread::sleep(delay);
                            }
                            if stream.write_all(&bytes).is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        KeepAliveServer { port, accepted }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1/", self.port)
    }
}

/// A complete response with a JSON body and `Content-Length`, as one byte run.
pub fn response(status_line: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status_line}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
