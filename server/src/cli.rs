//! Command line.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use clap::Parser;

use crate::faults;
use crate::request::is_ident;

const DEFAULT_AUTH_ID: &str = "MADEMOACCOUNT0000001";
const DEFAULT_AUTH_TOKEN: &str = "demo-auth-token";

const BEFORE_FAULTS: &str = "\
OUTPUT
  After binding, prints exactly one line to stdout: the base URL, e.g.
  http://127.0.0.1:41234/v1/ . Everything else goes to stderr. The auth token is
  never printed. Exits cleanly on SIGTERM / SIGINT.

API (HTTP Basic auth with the auth id and token; {auth_id} in the path must match)
  POST   /v1/Account/{auth_id}/Call/{call}/Stream/            start a stream (202; 400
         if an active stream of that call already uses the service_url)
  GET    /v1/Account/{auth_id}/Call/{call}/Stream/            list (?limit=1..20&offset=N)
  DELETE /v1/Account/{auth_id}/Call/{call}/Stream/            stop all active (204)
  GET    /v1/Account/{auth_id}/Call/{call}/Stream/{stream}/   get one
  DELETE /v1/Account/{auth_id}/Call/{call}/Stream/{stream}/   stop one (204; 400
         \"No active stream found\" if already stopped)

ADMIN ENDPOINTS (no auth; not counted or logged)
  POST   /__admin/calls/     {\"call_uuid\":\"c1\",\"streams\":[\"s1\"]} -> 201; creates the
                             call if needed, makes the streams active (again)
  DELETE /__admin/calls/     forget all calls and fault counters (204)
  GET    /__admin/requests/  {\"requests\":[{seq,conn,method,path,authorization,
                             user_agent,content_type,body}]}: every /v1/ request
  DELETE /__admin/requests/  clear that log (204)
  POST   /__admin/replies/   {\"status\":200,\"body\":\"...\",\"content_type\":\"application/json\"}
                             -> 201; the next /v1/ request that passes routing and
                             authentication (faults first) is answered with exactly
                             that status, type and body (a queue: one per request;
                             status and type optional, 200 and application/json)
  DELETE /__admin/replies/   forget the queued answers (204)
  GET    /__admin/stats/     {\"connections\": accepted so far, \"requests\": /v1/ so far}

FAULT MODES (call_uuid = fault-<mode>-<anything>; fault calls exist implicitly and a
request that is not faulted is served as if the call had every stream active)
";

const AFTER_FAULTS: &str =
    "  Raw modes (reset ... 204chunked) work on any request of any connection, fresh or
  reused. Any other mode is answered 400 \"unknown fault mode\".

ANSWERS (as Plivo's docs and SDK fixtures show them)
  Stream object: api_id (get only), audio_track, bidirectional, bill_duration,
  billed_amount (text), call_uuid, created_at, end_time, plivo_auth_id,
  resource_uri, rounded_bill_duration, service_url, start_time, status,
  status_callback_url (\"\" when unset), stream_id; no other member. List:
  {api_id, meta: {limit, next, offset, previous, total_count}, objects}. Errors:
  {api_id, error}. api_id is a time-based UUID (version 1), stream_id random (v4).

ASSUMPTIONS (the evidence is silent here; this server's choices)
  - start_time / end_time are written with offset +00:00 (Plivo writes the
    account's local offset, e.g. +05:30); created_at is UTC with microseconds and
    is the moment the start was accepted (Plivo's example shows the end).
  - start_time is set at once (the stream runs as soon as it is accepted; Plivo's
    beta fixture shows null before the stream runs); end_time is null while active.
  - status is \"In-Progress\" while active and \"Stopped\" after (only \"initiated\"
    is documented).
  - bill_duration: whole seconds from start to stop (0 while active);
    rounded_bill_duration: rounded up to whole minutes, at least 60 once stopped;
    billed_amount: 0.00300 per started minute, five decimals (\"0.00000\" while
    active).
  - Start answers 202. A second start at the service_url of an active stream of the
    same call: 400 \"an active stream already exists at this service_url\" (the
    docs give no text). Seeded streams all use wss://example.invalid/seed.
  - Stop-all with nothing active: 400 \"No active stream found\". An unknown call
    or stream id: 404 \"not found\". A path without its trailing slash: 404.
  - Start takes only a JSON body (Content-Type application/json; a form body is
    400); parameters of the wrong JSON type (e.g. \"60\" for stream_timeout) are 400;
    stream_timeout is any positive integer (no maximum); extra_headers is
    key=value pairs joined by commas, at most 512 bytes, keys and values of
    A-Z a-z 0-9 only; cx_bot (undocumented) is an optional boolean.
  - limit outside 1-20 or an offset that is not a non-negative integer: 400.
  - Validation texts are this server's own. A 401 carries an api_id.";

/// The text after the options in `--help`; the fault modes come from their table.
fn after_help() -> String {
    format!("{BEFORE_FAULTS}{}{AFTER_FAULTS}", faults::help())
}

#[derive(Parser)]
#[command(
    name = "plivo-server",
    version,
    about = "Plivo-compatible local HTTP server: the test peer and demo target of libplivo",
    after_help = after_help()
)]
pub struct Cli {
    /// Address to listen on (port 0 = ephemeral).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: String,

    /// Allow binding an address that is not loopback.
    #[arg(long)]
    pub allow_non_loopback: bool,

    /// Account auth id [default: $PLIVO_AUTH_ID, else MADEMOACCOUNT0000001].
    #[arg(long, value_name = "ID")]
    pub auth_id: Option<String>,

    /// Account auth token [default: $PLIVO_AUTH_TOKEN, else the demo token
    /// `demo-auth-token`]. Never printed.
    #[arg(long, value_name = "TOKEN")]
    pub auth_token: Option<String>,

    /// Create call CALL with these active streams (repeatable; `CALL:` for no stream).
    /// Seeded streams use service_url wss://example.invalid/seed.
    #[arg(long, value_name = "CALL:STREAM[,STREAM...]", value_parser = parse_seed)]
    pub seed: Vec<Seed>,

    /// Write the bound port (decimal + newline) to this file, atomically (temp + rename).
    #[arg(long, value_name = "PATH")]
    pub port_file: Option<PathBuf>,

    /// Tokio worker threads.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: u16,

    /// One line per request on stderr (method, path, status; never credentials).
    #[arg(long)]
    pub verbose: bool,

    /// Keep at most this many entries in the /__admin/requests/ log (oldest dropped; 0 = none).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub request_log_limit: usize,

    /// Delay every answer under /v1/ by this many milliseconds, like a WAN round trip
    /// to the real API (admin endpoints answer at once). For keeping many requests in
    /// flight in tests and benchmarks.
    #[arg(long, value_name = "MS", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=60_000))]
    pub latency_ms: u32,
}

/// A `--seed` value.
#[derive(Clone, Debug)]
pub struct Seed {
    pub call: String,
    pub streams: Vec<String>,
}

fn parse_seed(value: &str) -> Result<Seed, String> {
    let (call, streams) = value.split_once(':').unwrap_or((value, ""));
    let streams: Vec<String> = streams
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if !is_ident(call) || !streams.iter().all(|s| is_ident(s)) {
        return Err("expected CALL:STREAM[,STREAM...] with identifiers of \
                    1-128 characters A-Z a-z 0-9 - _"
            .to_string());
    }
    Ok(Seed {
        call: call.to_string(),
        streams,
    })
}

/// Option value, else non-empty environment variable, else default.
fn resolve(value: Option<String>, env: &str, default: &str) -> String {
    value
        .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| default.to_string())
}

impl Cli {
    pub fn auth_id(&self) -> String {
        resolve(self.auth_id.clone(), "PLIVO_AUTH_ID", DEFAULT_AUTH_ID)
    }

    pub fn auth_token(&self) -> String {
        resolve(
            self.auth_token.clone(),
            "PLIVO_AUTH_TOKEN",
            DEFAULT_AUTH_TOKEN,
        )
    }

    /// The address to bind, refusing non-loopback ones unless allowed.
    pub fn listen_addr(&self) -> Result<SocketAddr, String> {
        let addrs: Vec<SocketAddr> = self
            .listen
            .to_socket_addrs()
            .map_err(|e| format!("--listen {}: {e}", self.listen))?
            .collect();
        let Some(&first) = addrs.first() else {
            return Err(format!("--listen {}: no address", self.listen));
        };
        if !self.allow_non_loopback && !addrs.iter().all(|a| a.ip().is_loopback()) {
            return Err(format!(
                "--listen {}: not a loopback address (pass --allow-non-loopback to bind it)",
                self.listen
            ));
        }
        Ok(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds() {
        let s = parse_seed("c1:s1,s2").unwrap();
        assert_eq!((s.call.as_str(), s.streams.len()), ("c1", 2));
        assert!(parse_seed("c1:").unwrap().streams.is_empty());
        assert!(parse_seed("c 1:s").is_err());
        assert!(parse_seed(":s").is_err());
    }

    #[test]
    fn clap_definition() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
