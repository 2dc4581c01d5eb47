//! One system per process, sequential stops of one stream on one kept-alive loopback
//! connection, printing `<system> <calls/s>`:
//!
//! - `hand`: the request head written by hand, the answer parsed with httparse: the raw
//!   C client's work, in Rust.
//! - `proto`: the same exchange through `ureq_proto::client::Call`, ureq's HTTP/1.1
//!   protocol engine, without ureq's agent (no pool, configuration, timeouts).
//! - `hand-probe`, `proto-probe`: the same plus the one `recv(MSG_PEEK)` a connection
//!   pool needs before reusing a connection.
//! - `libplivo`: `plivo_stop_stream` through the C ABI.
//!
//!   floor SYSTEM PORT CALLS   (PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN from the environment)

use std::ffi::CString;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::Instant;

use base64::Engine;
use ureq_proto::client::{Call, RecvResponseResult, SendRequestResult};
use ureq_proto::http::{HeaderValue, Request, Uri};

const CALL: &str = "fault-status204-bench";
const STREAM: &str = "s1";

struct Conn {
    stream: TcpStream,
    probe: bool,
    input: Vec<u8>,
    output: Vec<u8>,
}

impl Conn {
    fn probe(&self) {
        if !self.probe {
            return;
        }
        let mut byte = 0u8;
        // SAFETY: a valid socket and a one-byte buffer.
        let n = unsafe {
            libc::recv(
                self.stream.as_raw_fd(),
                (&mut byte as *mut u8).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        assert!(n < 0, "the server closed or sent stray bytes");
    }
}

fn hand(c: &mut Conn, host: &str, path: &str, auth: &str) {
    c.probe();
    let out = &mut c.output;
    out.clear();
    out.extend_from_slice(b"DELETE ");
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(
        b" HTTP/1.1\r\nuser-agent: libplivo/0.1.0\r\naccept: application/json\r\nhost: ",
    );
    out.extend_from_slice(host.as_bytes());
    out.extend_from_slice(b"\r\nauthorization: ");
    out.extend_from_slice(auth.as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    c.stream.write_all(out).unwrap();
    let mut have = 0;
    loop {
        let n = c.stream.read(&mut c.input[have..]).unwrap();
        assert!(n > 0, "closed");
        have += n;
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        if response.parse(&c.input[..have]).unwrap().is_complete() {
            assert_eq!(response.code, Some(204));
            return;
        }
    }
}

fn proto(c: &mut Conn, uri: &Uri, auth: &HeaderValue) {
    c.probe();
    let request = Request::delete(uri.clone())
        .header("user-agent", HeaderValue::from_static("libplivo/0.1.0"))
        .header("accept", HeaderValue::from_static("application/json"))
        .header("authorization", auth.clone())
        .body(())
        .unwrap();
    let mut call = Call::new(request).unwrap().proceed();
    let n = call.write(&mut c.output).unwrap();
    c.stream.write_all(&c.output[..n]).unwrap();
    let Ok(Some(SendRequestResult::RecvResponse(mut call))) = call.proceed() else {
        panic!("no response state")
    };
    let mut have = 0;
    loop {
        let n = c.stream.read(&mut c.input[have..]).unwrap();
        assert!(n > 0, "closed");
        have += n;
        if let (_, Some(response)) = call.try_response(&c.input[..have], false).unwrap() {
            assert_eq!(response.status().as_u16(), 204);
            break;
        }
    }
    match call.proceed() {
        Some(RecvResponseResult::Cleanup(done)) => assert!(!done.must_close_connection()),
        _ => panic!("a 204 has no body"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, system, port, calls] = &args[..] else {
        eprintln!("usage: floor hand|hand-probe|proto|proto-probe|libplivo PORT CALLS");
        std::process::exit(2);
    };
    let (port, calls): (u16, usize) = (port.parse().unwrap(), calls.parse().unwrap());
    let id = std::env::var("PLIVO_AUTH_ID").expect("PLIVO_AUTH_ID");
    let token = std::env::var("PLIVO_AUTH_TOKEN").expect("PLIVO_AUTH_TOKEN");
    let host = format!("127.0.0.1:{port}");
    let path = format!("/v1/Account/{id}/Call/{CALL}/Stream/{STREAM}/");
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{token}"))
    );
    let mut one: Box<dyn FnMut()> = if system == "libplivo" {
        use plivo::ffi::*;
        let options = plivo_options_new();
        let base = CString::new(format!("http://{host}/v1/")).unwrap();
        plivo_options_set_base_url(options, base.as_ptr());
        let (id, token) = (CString::new(id).unwrap(), CString::new(token).unwrap());
        let client = plivo_client_new_with_options(id.as_ptr(), token.as_ptr(), options);
        plivo_options_free(options);
        assert!(!client.is_null());
        let (call, stream) = (CString::new(CALL).unwrap(), CString::new(STREAM).unwrap());
        Box::new(move || {
            let code = plivo_stop_stream(client, call.as_ptr(), stream.as_ptr());
            assert_eq!(code, PlivoCode::PLIVO_OK);
        })
    } else {
        let stream = TcpStream::connect(&host).unwrap();
        stream.set_nodelay(true).unwrap();
        let mut conn = Conn {
            stream,
            probe: system.ends_with("-probe"),
            input: vec![0; 16384],
            output: vec![0; 16384],
        };
        if system.starts_with("proto") {
            let uri: Uri = format!("http://{host}{path}").parse().unwrap();
            let auth = HeaderValue::from_str(&auth).unwrap();
            Box::new(move || proto(&mut conn, &uri, &auth))
        } else {
            Box::new(move || hand(&mut conn, &host, &path, &auth))
        }
    };
    for _ in 0..200 {
        one();
    }
    let started = Instant::now();
    for _ in 0..calls {
        one();
    }
    let rate = calls as f64 / started.elapsed().as_secs_f64();
    println!("{system} {rate:.0}");
}
