//! `plivo-stream` as a user runs it: the binary, its exit statuses and its output,
//! against one-shot HTTP answers on loopback; the committed man page against the
//! command line it documents.

use std::ffi::CStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::mpsc;
use std::thread;

const BIN: &str = env!("CARGO_BIN_EXE_plivo-stream");
const AUTH_ID: &str = "MACLITEST00000000001";
const TOKEN: &str = "cli-test-secret-token-9f3b";

fn plivo_stream(args: &[&str], base_url: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("PLIVO_BASE_URL")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env("PLIVO_AUTH_ID", AUTH_ID)
        .env("PLIVO_AUTH_TOKEN", TOKEN);
    if let Some(url) = base_url {
        cmd.env("PLIVO_BASE_URL", url);
    }
    let out = cmd.output().expect("run plivo-stream");
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !String::from_utf8_lossy(stream).contains(TOKEN),
            "the token appears in the output of {args:?}"
        );
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks that the command failed as a usage error (exit status 1) and said `words`
/// on stderr.
#[track_caller]
fn assert_fails_saying(out: &Output, words: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(words), "{stderr}");
}

/// A loopback server that answers each connection with the next of `answers`
/// (status line, body) and reports the request line it received.
fn serve(answers: Vec<(&'static str, &'static str)>) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for (status, body) in answers {
            let (mut conn, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            let mut body_in = vec![0; length];
            reader.read_exact(&mut body_in).unwrap();
            let _ = tx.send(format!("{} {}", request_line.trim_end(), text(&body_in)));
            write!(
                conn,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (url, rx)
}

#[test]
fn help_and_version_print_on_stdout_and_exit_0() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["stop", "--help"],
        &["start", "--help"],
    ] {
        let out = plivo_stream(args, None);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            text(&out.stdout).contains("Usage: plivo-stream"),
            "{args:?}"
        );
        assert!(out.stderr.is_empty(), "{args:?}");
    }
    let out = plivo_stream(&["--version"], None);
    assert_eq!(out.status.code(), Some(0));
    let lib = unsafe { CStr::from_ptr(plivo::ffi::plivo_version()) };
    assert_eq!(
        text(&out.stdout),
        format!("plivo-stream {}\n", lib.to_str().unwrap())
    );
}

#[test]
fn help_lists_every_result_code_by_its_library_name() {
    let help = text(&plivo_stream(&["--help"], None).stdout);
    let mut code = 0;
    loop {
        let name = unsafe { CStr::from_ptr(plivo::ffi::plivo_code_name(code)) };
        let name = name.to_str().unwrap();
        if name == "PLIVO_ERR_UNKNOWN" {
            break;
        }
        assert!(
            help.contains(&format!("{code:>2}  {name}: ")),
            "--help does not list exit status {code} ({name})"
        );
        code += 1;
    }
    assert_eq!(code as usize, plivo_stream::EXIT_STATUSES.len());
}

#[test]
fn usage_errors_exit_1_on_stderr() {
    for args in [
        &[][..],
        &["stop"],
        &["stop", "call-1"],
        &["frobnicate"],
        &["list", "call-1", "--no-such-option"],
        &["list", "call-1", "--timeout-ms", "soon"],
        &[
            "start",
            "call-1",
            "wss://x.example/ws",
            "--bidirectional",
            "maybe",
        ],
    ] {
        let out = plivo_stream(args, None);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn a_token_typed_on_the_command_line_is_not_echoed() {
    let out = plivo_stream(&["stop", "call-1", "stream-1", TOKEN], None);
    assert_fails_saying(&out, "[REDACTED]");
}

#[test]
fn bad_arguments_and_missing_credentials_exit_1_with_the_library_message() {
    let out = plivo_stream(&["stop", "call/1", "stream-1"], Some("http://127.0.0.1:9/"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("plivo-stream: PLIVO_ERR_INVALID_ARGUMENT: "));

    let out = plivo_stream(&["list", "call-1", "--max-retries", "11"], None);
    assert_fails_saying(&out, "max_retries");

    let out = plivo_stream(
        &[
            "start",
            "call-1",
            "wss://x.example/ws",
            "--audio-track",
            "left",
        ],
        None,
    );
    assert_fails_saying(&out, "audio_track");

    let out = Command::new(BIN)
        .args(["stop", "call-1", "stream-1"])
        .env_remove("PLIVO_AUTH_ID")
        .env_remove("PLIVO_AUTH_TOKEN")
        .output()
        .unwrap();
    assert_fails_saying(&out, "PLIVO_AUTH_ID");
}

#[test]
fn stop_prints_nothing_then_exits_2_when_no_stream_is_active() {
    let (url, requests) = serve(vec![
        ("204 No Content", ""),
        (
            "400 Bad Request",
            r#"{"api_id":"a1","error":"No active stream found"}"#,
        ),
        ("404 Not Found", r#"{"api_id":"a2","error":"not found"}"#),
    ]);
    let out = plivo_stream(&["stop", "call-1", "stream-1"], Some(&url));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    assert!(requests.recv().unwrap().starts_with(&format!(
        "DELETE /v1/Account/{AUTH_ID}/Call/call-1/Stream/stream-1/ "
    )));

    // Global options after the subcommand.
    let out = plivo_stream(
        &["stop", "call-1", "stream-1", "--max-retries", "0"],
        Some(&url),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).starts_with("plivo-stream: PLIVO_ERR_NO_ACTIVE_STREAM: "));

    // ... and before it, with the base URL as an option.
    let out = plivo_stream(
        &[
            "--base-url",
            &url,
            "--max-retries",
            "0",
            "stop-all",
            "call-1",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(requests.recv().unwrap().contains("DELETE"));
    assert!(requests.recv().unwrap().starts_with(&format!(
        "DELETE /v1/Account/{AUTH_ID}/Call/call-1/Stream/ "
    )));
}

#[test]
fn start_prints_the_stream_id_and_sends_every_parameter() {
    let (url, requests) = serve(vec![(
        "201 Created",
        r#"{"api_id":"a3","message":"Audio Stream started","stream_id":"5a7b0c1d-new"}"#,
    )]);
    let out = plivo_stream(
        &[
            "start",
            "call-1",
            "wss://media.example.com/ws",
            "--bidirectional",
            "--audio-track",
            "inbound",
            "--stream-timeout",
            "60",
            "--status-callback-url",
            "https://cb.example.com/s",
            "--status-callback-method",
            "GET",
            "--content-type",
            "audio/x-l16;rate=16000",
            "--extra-headers",
            "a=1,b=2",
        ],
        Some(&url),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "5a7b0c1d-new\n");
    let request = requests.recv().unwrap();
    for field in [
        r#""service_url":"wss://media.example.com/ws""#,
        r#""bidirectional":true"#,
        r#""audio_track":"inbound""#,
        r#""stream_timeout":60"#,
        r#""status_callback_url":"https://cb.example.com/s""#,
        r#""status_callback_method":"GET""#,
        r#""content_type":"audio/x-l16;rate=16000""#,
        r#""extra_headers":"a=1,b=2""#,
    ] {
        assert!(request.contains(field), "{field} not in {request}");
    }
}

#[test]
fn get_and_list_print_the_body_as_received() {
    let get = r#"{ "api_id": "a4",  "stream_id": "s-1", "status": "in-progress" }"#;
    let list = r#"{"api_id":"a5","meta":{"count":0,"limit":20,"offset":0,"next":null,"previous":null},"objects":[]}"#;
    let (url, _requests) = serve(vec![("200 OK", get), ("200 OK", list)]);
    let out = plivo_stream(&["get", "call-1", "s-1"], Some(&url));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{get}\n"));
    let out = plivo_stream(&["list", "call-1"], Some(&url));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{list}\n"));
}

/// `cli/plivo-stream.1` is rendered from the command line (clap_mangen); regenerate
/// it with `PLIVO_UPDATE_MAN=1 cargo test -p plivo-stream`.
#[test]
fn the_committed_man_page_is_the_rendered_one() {
    let mut page = Vec::new();
    man_page(&mut page);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/plivo-stream.1");
    if std::env::var_os("PLIVO_UPDATE_MAN").is_some() {
        std::fs::write(path, &page).unwrap();
    }
    let committed = std::fs::read(path).unwrap_or_default();
    assert!(
        committed == page,
        "{path} is out of date: run PLIVO_UPDATE_MAN=1 cargo test -p plivo-stream"
    );
}

/// The man page: clap_mangen's page of the command (synopsis, description, global
/// options, commands, output, environment, exit status), then each command's own
/// `--help` text under COMMAND DETAILS, so every option of `start` is in it.
fn man_page(out: &mut Vec<u8>) {
    let cmd = plivo_stream::command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out).unwrap();
    man.render_name_section(out).unwrap();
    man.render_synopsis_section(out).unwrap();
    man.render_description_section(out).unwrap();
    man.render_options_section(out).unwrap();
    man.render_subcommands_section(out).unwrap();
    let after = cmd.get_after_long_help().unwrap().to_string();
    out.extend_from_slice(b".SH \"OUTPUT, ENVIRONMENT, EXIT STATUS, EXAMPLES\"\n");
    preformatted(out, &after);
    out.extend_from_slice(b".SH \"COMMAND DETAILS\"\n");
    for sub in cmd.get_subcommands() {
        let mut sub = sub
            .clone()
            .bin_name(format!("plivo-stream {}", sub.get_name()));
        out.extend_from_slice(format!(".SS {}\n", sub.get_name()).as_bytes());
        preformatted(out, &sub.render_long_help().to_string());
    }
    man.render_version_section(out).unwrap();
}

fn preformatted(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b".nf\n");
    for line in text.lines() {
        let line = line.replace('\\', "\\e");
        let line = if line.starts_with(['.', '\'']) {
            format!("\\&{line}")
        } else {
            line
        };
        out.extend_from_slice(format!("{line}\n").as_bytes());
    }
    out.extend_from_slice(b".fi\n");
}
