//! Serving one accepted connection with hyper (HTTP/1.1, keep-alive).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::api;
use crate::raw::{ConnIo, RawCtl};
use crate::response::{Outcome, Reply, ResBody};
use crate::state::State;

/// Largest request body read; larger ones are answered 413.
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// How long `fault-stall-*` holds a connection.
const STALL: Duration = Duration::from_secs(600);

pub async fn serve_connection(state: Arc<State>, tcp: TcpStream, conn: u64) {
    let _ = tcp.set_nodelay(true);
    let verbose = state.verbose;
    let ctl = Arc::new(RawCtl::default());
    let io = TokioIo::new(ConnIo::new(tcp, ctl.clone()));
    let service = service_fn(move |req| handle(state.clone(), ctl.clone(), conn, req));
    let result = http1::Builder::new()
        .keep_alive(true)
        .writev(false) // one write per response: raw.rs relies on it
        .serve_connection(io, service)
        .await;
    if let Err(e) = result {
        if verbose {
            eprintln!("plivo-server: conn {conn}: connection ended: {e}");
        }
    }
}

fn header(req: &hyper::http::request::Parts, name: hyper::header::HeaderName) -> Option<&[u8]> {
    req.headers.get(name).map(HeaderValue::as_bytes)
}

async fn handle(
    state: Arc<State>,
    ctl: Arc<RawCtl>,
    conn: u64,
    req: Request<Incoming>,
) -> Result<Response<ResBody>, io::Error> {
    let (parts, body) = req.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut request = api::Request {
        conn,
        method: parts.method.as_str(),
        target,
        authorization: header(&parts, AUTHORIZATION),
        user_agent: header(&parts, USER_AGENT),
        content_type: header(&parts, CONTENT_TYPE),
        body: &[],
    };
    let body: Bytes = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            if target.starts_with("/v1/") {
                api::record(&state, &request); // logged without its body
            }
            log_request(&state, conn, request.method, target, 413);
            return Ok(to_response(Reply::error(413, "request body too large")));
        }
        Err(e) => return Err(io::Error::other(e)),
    };
    request.body = &body;
    match api::handle(&state, &request) {
        Outcome::Reply(reply) => {
            log_request(&state, conn, request.method, target, reply.status);
            Ok(to_response(reply))
        }
        Outcome::Stall => {
            if state.verbose {
                eprintln!(
                    "plivo-server: conn {conn}: {} {target} -> stall",
                    request.method
                );
            }
            tokio::time::sleep(STALL).await;
            Err(io::Error::other("stall over"))
        }
        Outcome::Raw(fault) => {
            if state.verbose {
                eprintln!(
                    "plivo-server: conn {conn}: {} {target} -> raw {fault:?}",
                    request.method
                );
            }
            ctl.arm(fault);
            // Placeholder that ConnIo swallows and replaces with the fault's bytes.
            Ok(Response::new(ResBody::Full(None)))
        }
    }
}

fn log_request(state: &State, conn: u64, method: &str, target: &str, status: u16) {
    if state.verbose {
        eprintln!("plivo-server: conn {conn}: {method} {target} -> {status}");
    }
}

fn to_response(reply: Reply) -> Response<ResBody> {
    let mut response = Response::new(ResBody::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.append(name, value);
        }
    }
    response
}
