//! `plivo-stream`: the Audio Stream API from a shell or a dialplan, one process per
//! call, over the Rust client of libplivo. Its exit status is the libplivo result code
//! (`plivo::result_code`), so a script can branch on "no active stream" (2) or "not
//! found" (5) without parsing text.
//!
//! The command line is defined here (not in `main.rs`) so that the tests can render
//! the man page from it and compare it with the committed `plivo-stream.1`.

use std::ffi::OsString;
use std::io::Write;

use clap::error::ErrorKind as ClapErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};
use plivo::{
    AudioTrack, CallbackMethod, Client, ContentType, Error, ErrorKind, Options, StreamParams,
};

/// Exit status of a usage error (unknown option, missing argument, bad number): the
/// code of `PLIVO_ERR_INVALID_ARGUMENT`, not clap's default 2, which here means
/// "no active stream".
pub const USAGE_EXIT: i32 = 1;

/// The exit statuses, as `--help` and the man page list them. Each number and name is
/// checked against `plivo_code_name()` by the tests.
pub const EXIT_STATUSES: &[(i32, &str, &str)] = &[
    (0, "PLIVO_OK", "success (the stream was stopped, started, or read)"),
    (1, "PLIVO_ERR_INVALID_ARGUMENT", "usage error, bad argument or option value, missing PLIVO_AUTH_ID/PLIVO_AUTH_TOKEN, plain http:// to a non-loopback host; nothing was sent"),
    (2, "PLIVO_ERR_NO_ACTIVE_STREAM", "no active stream to stop (already stopped): treat as done when stop is idempotent"),
    (3, "PLIVO_ERR_BAD_REQUEST", "any other HTTP 400"),
    (4, "PLIVO_ERR_AUTHENTICATION", "HTTP 401 or 403: wrong auth id or token"),
    (5, "PLIVO_ERR_NOT_FOUND", "HTTP 404: unknown call or stream"),
    (6, "PLIVO_ERR_RATE_LIMITED", "HTTP 429, after retries"),
    (7, "PLIVO_ERR_SERVER", "HTTP 5xx, after retries"),
    (8, "PLIVO_ERR_HTTP", "any other HTTP status (3xx, 405, other 4xx)"),
    (9, "PLIVO_ERR_TIMEOUT", "the deadline (--timeout-ms) passed"),
    (10, "PLIVO_ERR_TRANSPORT", "DNS, connect, TLS failure, connection reset or closed"),
    (11, "PLIVO_ERR_INVALID_RESPONSE", "the answer is not valid HTTP or not the JSON expected"),
    (12, "PLIVO_ERR_INTERNAL", "a bug in libplivo; please report it"),
    (13, "PLIVO_ERR_BUSY", "a completion queue was full (never from this command, which makes blocking calls)"),
    (14, "PLIVO_ERR_CANCELLED", "the request was cancelled (never from this command)"),
];

const ABOUT: &str =
    "Stop, start, get and list Plivo audio streams; the exit status is the libplivo result code";

const LONG_ABOUT: &str = "\
Stop, start, get and list the audio streams of a Plivo call, over libplivo's Rust \
client (keep-alive, deadline, retries on connect failures, 429 and 5xx).

The exit status is the libplivo result code (listed below), so a shell script or a \
dialplan can branch on it: 2 means the stream was already stopped, 5 that the call or \
stream is unknown.

Credentials come only from the environment: PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN (no \
option takes the token: a command line is visible to every user in ps). The token is \
never printed.";

fn after_help() -> String {
    let mut text = String::from(
        "Output:\n  \
         stop, stop-all  print nothing on success\n  \
         start           prints the new stream id alone on one line\n  \
         get, list       print the response body (JSON) as received\n  \
         On failure, the library's message goes to standard error: \
         'plivo-stream: NAME: message'.\n\n\
         Environment:\n  \
         PLIVO_AUTH_ID     the account's auth id (required)\n  \
         PLIVO_AUTH_TOKEN  the account's auth token (required; never printed)\n  \
         PLIVO_BASE_URL    the API's base URL when --base-url is not given \
         (default https://api.plivo.com/v1/)\n  \
         HTTPS_PROXY, NO_PROXY  an HTTP CONNECT proxy, unless --proxy is given\n\n\
         Exit status (the libplivo result code; a usage error is 1):\n",
    );
    for (code, name, meaning) in EXIT_STATUSES {
        text.push_str(&format!("  {code:>2}  {name}: {meaning}\n"));
    }
    text.push_str(
        "  --help and --version print to standard output and exit 0.\n\n\
         Examples:\n  \
         export PLIVO_AUTH_ID=MAXXXXXXXXXXXXXXXXXX PLIVO_AUTH_TOKEN=...\n  \
         plivo-stream stop CALL_UUID STREAM_UUID; rc=$?   # 0 stopped, 2 already stopped\n  \
         id=$(plivo-stream start CALL_UUID wss://media.example.com/ws --audio-track inbound)\n  \
         plivo-stream list CALL_UUID --timeout-ms 2000\n",
    );
    text
}

/// The command line of `plivo-stream`.
#[derive(Debug, Parser)]
#[command(
    name = "plivo-stream",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = after_help(),
    after_help = "Exit status: the libplivo result code (0 OK, 1 invalid argument or usage \
                  error, 2 no active stream, 5 not found, ...); see --help for the list.",
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true,
    disable_help_subcommand = true,
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Command,
}

/// Options of every subcommand; accepted before or after it.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options (before or after the command)")]
pub struct GlobalOptions {
    /// Base URL of the API (default: $PLIVO_BASE_URL, else https://api.plivo.com/v1/)
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Deadline of the whole call, retries included, 1-600000 ms (default 10000)
    #[arg(long, global = true, value_name = "MS")]
    pub timeout_ms: Option<u32>,
    /// Bound of each connect, 1-600000 ms (default 3000)
    #[arg(long, global = true, value_name = "MS")]
    pub connect_timeout_ms: Option<u32>,
    /// Attempts after the first, on connect failures, 429 and 5xx, 0-10 (default 2)
    #[arg(long, global = true, value_name = "N")]
    pub max_retries: Option<u32>,
    /// HTTP CONNECT proxy, http://[user:password@]host:port (default: $HTTPS_PROXY)
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,
    /// Trust exactly the certificates of this PEM file instead of the bundled Mozilla roots
    #[arg(long, global = true, value_name = "PEM_FILE")]
    pub ca_file: Option<String>,
    /// Allow a plain http:// base URL to a non-loopback host (credentials in clear text)
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,
}

/// The operations of the Audio Stream resource.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Stop one stream of a call (exit 2 when it is not active)
    Stop {
        /// The call's UUID
        call: String,
        /// The stream's id
        stream: String,
    },
    /// Stop every stream of a call (exit 2 when none is active)
    StopAll {
        /// The call's UUID
        call: String,
    },
    /// Start a stream of the call's audio to a WebSocket service; prints the new stream id
    Start {
        /// The call's UUID
        call: String,
        /// The WebSocket URL the audio is sent to (wss://...)
        service_url: String,
        #[command(flatten)]
        params: StartOptions,
    },
    /// Print one stream's details (the JSON body as received)
    Get {
        /// The call's UUID
        call: String,
        /// The stream's id
        stream: String,
    },
    /// Print the call's streams (the JSON body as received)
    List {
        /// The call's UUID
        call: String,
    },
}

/// Every optional parameter of a new stream.
#[derive(Debug, Args)]
pub struct StartOptions {
    /// Bidirectional stream: the service may send audio back (true or false; alone: true)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub bidirectional: Option<bool>,
    /// Which audio is streamed: inbound, outbound or both
    #[arg(long, value_name = "TRACK")]
    pub audio_track: Option<String>,
    /// Seconds after which the stream ends: any positive number (API default 86400)
    #[arg(long, value_name = "SECONDS")]
    pub stream_timeout: Option<u32>,
    /// URL that receives the stream's status events
    #[arg(long, value_name = "URL")]
    pub status_callback_url: Option<String>,
    /// HTTP method of the status callback: GET or POST
    #[arg(long, value_name = "METHOD")]
    pub status_callback_method: Option<String>,
    /// Audio format: audio/x-l16;rate=8000, audio/x-l16;rate=16000 or audio/x-mulaw;rate=8000
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// Headers passed to the service, "key1=value1,key2=value2" (at most 512 bytes)
    #[arg(long, value_name = "HEADERS")]
    pub extra_headers: Option<String>,
}

/// The clap command, for the man page and the tests.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Runs the command line `args` (the program name first) with the process
/// environment; writes to `out` and `err`; returns the exit status.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return usage(e, out, err),
    };
    match execute(&cli, out) {
        Ok(()) => 0,
        Err(e) => {
            let code = plivo::result_code(e.kind());
            let _ = writeln!(err, "plivo-stream: {code:?}: {}", redacted(e.message()));
            code as i32
        }
    }
}

/// --help and --version on standard output, exit 0; anything else is a usage error on
/// standard error, exit 1.
fn usage(e: clap::Error, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let text = redacted(&e.render().to_string());
    match e.kind() {
        ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => {
            let _ = write!(out, "{text}");
            0
        }
        _ => {
            let _ = write!(err, "{text}");
            USAGE_EXIT
        }
    }
}

/// Text with the auth token cut out: clap echoes a stray argument, and someone may
/// have typed the token on the command line by mistake. The library's own messages
/// never contain it; this is a second lock on the same door.
fn redacted(text: &str) -> String {
    match std::env::var(plivo::ENV_AUTH_TOKEN) {
        Ok(token) if !token.is_empty() => text.replace(&token, "[REDACTED]"),
        _ => text.to_owned(),
    }
}

fn options(global: &GlobalOptions) -> Result<Options, Error> {
    let mut options = Options::new();
    if let Some(url) = &global.base_url {
        options.set_base_url(url)?;
    }
    if let Some(ms) = global.timeout_ms {
        options.set_timeout_ms(ms)?;
    }
    if let Some(ms) = global.connect_timeout_ms {
        options.set_connect_timeout_ms(ms)?;
    }
    if let Some(n) = global.max_retries {
        options.set_max_retries(n)?;
    }
    if let Some(url) = &global.proxy {
        options.set_proxy(url)?;
    }
    if let Some(path) = &global.ca_file {
        options.set_ca_file(path)?;
    }
    options.set_allow_insecure_http(global.allow_insecure_http);
    Ok(options)
}

fn stream_params(start: &StartOptions) -> Result<StreamParams, Error> {
    let mut params = StreamParams::new();
    if let Some(on) = start.bidirectional {
        params.set_bidirectional(on);
    }
    if let Some(track) = &start.audio_track {
        params.set_audio_track(AudioTrack::parse(track)?);
    }
    if let Some(seconds) = start.stream_timeout {
        params.set_stream_timeout(seconds)?;
    }
    if let Some(url) = &start.status_callback_url {
        params.set_status_callback_url(url)?;
    }
    if let Some(method) = &start.status_callback_method {
        params.set_status_callback_method(CallbackMethod::parse(method)?);
    }
    if let Some(content_type) = &start.content_type {
        params.set_content_type(ContentType::parse(content_type)?);
    }
    if let Some(headers) = &start.extra_headers {
        params.set_extra_headers(headers)?;
    }
    Ok(params)
}

fn execute(cli: &Cli, out: &mut dyn Write) -> Result<(), Error> {
    let options = options(&cli.global)?;
    // Parameters are checked before the client exists, so a bad value is reported
    // even without credentials.
    let params = match &cli.command {
        Command::Start { params, .. } => Some(stream_params(params)?),
        _ => None,
    };
    let client = Client::new(None, None, &options)?;
    let text = match &cli.command {
        Command::Stop { call, stream } => {
            client.stop_stream(call, stream)?;
            None
        }
        Command::StopAll { call } => {
            client.stop_all_streams(call)?;
            None
        }
        Command::Start {
            call, service_url, ..
        } => {
            let params = params.unwrap_or_default();
            Some(client.start_stream_id(call, service_url, &params)?.value)
        }
        Command::Get { call, stream } => Some(client.get_stream_json(call, stream)?.value),
        Command::List { call } => Some(client.list_streams_json(call)?.value),
    };
    if let Some(text) = text {
        let newline = if text.ends_with('\n') { "" } else { "\n" };
        write!(out, "{text}{newline}")
            .and_then(|()| out.flush())
            .map_err(|e| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("cannot write the output: {e}"),
                )
            })?;
    }
    Ok(())
}
