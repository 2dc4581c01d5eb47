//! Test harness: starts the built plivo-server and talks HTTP/1.1 to it over a plain
//! `std::net::TcpStream`.

#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;

pub const AUTH_ID: &str = "MATESTACCOUNT0000042";
pub const AUTH_TOKEN: &str = "test-token-s3cret";

/// A running server, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT/v1/`
    pub base_url: String,
    /// `127.0.0.1:PORT`
    pub addr: String,
}

impl Server {
    /// Starts the server with the test credentials and `extra` arguments.
    pub fn start(extra: &[&str]) -> Server {
        let mut args = vec!["--auth-id", AUTH_ID, "--auth-token", AUTH_TOKEN];
        args.extend_from_slice(extra);
        Server::start_raw(&args)
    }

    /// Starts the server with exactly these arguments.
    pub fn start_raw(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_plivo-server"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start plivo-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read base URL");
        let base_url = line.trim_end().to_string();
        let addr = base_url
            .strip_prefix("http://")
            .and_then(|r| r.strip_suffix("/v1/"))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server {
            child,
            base_url,
            addr,
        }
    }

    pub fn connect(&self) -> Conn {
        let stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    /// One request on a fresh connection.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        self.connect().request(method, path, headers, body)
    }

    /// An authenticated API request on a fresh connection (`path` is relative to
    /// `/v1/Account/{AUTH_ID}/`).
    pub fn api(&self, method: &str, path: &str, body: Option<&str>) -> Resp {
        self.connect().api(method, path, body)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit on its own; returns its exit code.
    pub fn wait(mut self) -> Option<i32> {
        let status = self.child.wait().expect("wait");
        status.code()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn basic_auth(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

pub fn account_path(rest: &str) -> String {
    format!("/v1/Account/{AUTH_ID}/{rest}")
}

/// A response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `error` field of a JSON body.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .expect("error field")
            .to_string()
    }

    /// Checks `{"api_id": <uuid>, ...}` and the JSON content type.
    pub fn assert_api_json(&self) -> serde_json::Value {
        assert_eq!(self.header("content-type"), Some("application/json"));
        let v = self.json();
        let api_id = v["api_id"].as_str().expect("api_id");
        assert_eq!(api_id.len(), 36, "api_id {api_id}");
        v
    }
}

/// One client connection (keep-alive).
pub struct Conn {
    pub stream: TcpStream,
    /// Bytes read past the last response.
    pub buf: Vec<u8>,
}

impl Conn {
    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
        for (name, value) in headers {
            req.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        self.stream.write_all(&bytes).expect("send request");
    }

    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        self.send(method, path, headers, body);
        self.read_response(method == "HEAD").expect("read response")
    }

    pub fn api(&mut self, method: &str, path: &str, body: Option<&str>) -> Resp {
        let auth = basic_auth(AUTH_ID, AUTH_TOKEN);
        let mut headers = vec![
            ("Authorization", auth.as_str()),
            ("User-Agent", "server-tests/1"),
        ];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        self.request(
            method,
            &account_path(path),
            &headers,
            body.unwrap_or("").as_bytes(),
        )
    }

    /// Reads more bytes into `buf`; Ok(0) at EOF.
    pub fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    fn take(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    fn take_line(&mut self) -> io::Result<String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.take(i + 2)?;
                return Ok(String::from_utf8_lossy(&line[..i]).into_owned());
            }
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Reads a status line and headers (no body).
    pub fn read_head(&mut self) -> io::Result<Resp> {
        let status_line = self.take_line()?;
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .filter(|_| version.starts_with("HTTP/1."))
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, status_line.clone()))?;
        let mut headers = Vec::new();
        loop {
            let line = self.take_line()?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, line.clone()))?;
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
        Ok(Resp {
            status,
            headers,
            body: Vec::new(),
        })
    }

    /// Reads a whole response, following HTTP/1.1 framing rules.
    pub fn read_response(&mut self, head_request: bool) -> io::Result<Resp> {
        let mut resp = self.read_head()?;
        if head_request || resp.status == 204 || resp.status == 304 || resp.status < 200 {
            return Ok(resp);
        }
        if resp
            .header("transfer-encoding")
            .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
        {
            loop {
                let size_line = self.take_line()?;
                let size = usize::from_str_radix(size_line.trim(), 16)
                    .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, size_line))?;
                if size == 0 {
                    self.take_line()?;
                    break;
                }
                let data = self.take(size)?;
                resp.body.extend_from_slice(&data);
                self.take(2)?;
            }
        } else if let Some(len) = resp.header("content-length") {
            let len: usize = len.parse().expect("content-length");
            resp.body = self.take(len)?;
        } else {
            while self.fill()? > 0 {}
            resp.body = std::mem::take(&mut self.buf);
        }
        Ok(resp)
    }

    /// Reads until EOF (or error) and returns what came.
    pub fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        while self.fill()? > 0 {}
        Ok(std::mem::take(&mut self.buf))
    }
}

/// Creates a call with these active streams through the admin endpoint.
pub fn admin_add_call(server: &Server, call: &str, streams: &[&str]) {
    let body = serde_json::json!({ "call_uuid": call, "streams": streams }).to_string();
    let resp = server.request(
        "POST",
        "/__admin/calls/",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(
        resp.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&resp.body)
    );
}
