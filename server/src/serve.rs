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
use crate::raw::{ArmedFault, FaultSocket};
use crate::response::{Outcome, Reply, WireBody};
use crate::state::State;

/// Largest request body read; larger ones are answered 413.
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// How long `fault-stall-*` holds a connection.
const STALL: Duration = Duration::from_secs(600);

pub async fn serve_connection(state: Arc<State>, tcp: TcpStream, conn: u64) {
    let _ = tcp.set_nodelay(true);
    let verbose = state.verbose;
    let ctl = Arc::new(ArmedFault::default());
    let io = TokioIo::new(FaultSocket::new(tcp, ctl.clone()));
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
    ctl: Arc<ArmedFault>,
    conn: u64,
    req: Request<Incoming>,
) -> Result<Response<WireBody>, io::Error> {
    let (parts, body) = req.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut request = crate::request::Request {
        conn,
        method: parts.method.as_str(),
        target,
        authorization: header(&parts, AUTHORIZATION),
        user_agent: header(&parts, USER_AGENT),
        content_type: header(&parts, CONTENT_TYPE),
        body: &[],
    };
    let body: Option<Bytes> = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => Some(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => None,
        Err(e) => return Err(io::Error::other(e)),
    };
    if !state.latency.is_zero() && target.starts_with("/v1/") {
        tokio::time::sleep(state.latency).await;
    }
    let outcome = match &body {
        Some(body) => {
            request.body = body;
            api::handle(&state, &request)
        }
        None => api::too_large(&state, &request),
    };
    match outcome {
        Outcome::Reply(reply) => {
            trace(&state, conn, request.method, target, reply.status);
            Ok(to_response(reply))
        }
        Outcome::Stall => {
            trace(&state, conn, request.method, target, "stall");
            tokio::time::sleep(STALL).await;
            Err(io::Error::other("stall over"))
        }
        Outcome::Raw(fault) => {
            trace(
                &state,
                conn,
                request.method,
                target,
                format!("raw {fault:?}"),
            );
            ctl.arm(fault);
            // Placeholder that FaultSocket swallows and replaces with the fault's bytes.
            Ok(Response::new(WireBody::Full(None)))
        }
    }
}

/// The `--verbose` line of one answered request (stderr; never credentials).
fn trace(state: &State, conn: u64, method: &str, target: &str, what: impl std::fmt::Display) {
    if state.verbose {
        eprintln!("plivo-server: conn {conn}: {method} {target} -> {what}");
    }
}

fn to_response(reply: Reply) -> Response<WireBody> {
    let mut response = Response::new(WireBody::from(reply.body));
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
