//! Option parsing: any sequence of `Options` and `StreamParams` setter calls with any
//! values never panics; numeric setters accept exactly their documented ranges; a
//! refused value is an InvalidArgument; building a client from whatever was accepted
//! either works or is an InvalidArgument (nothing is sent at construction).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use plivo::{
    AudioTrack, CallbackMethod, Client, ContentType, ErrorKind, Options, StreamParams,
    MAX_RETRIES_LIMIT, MAX_TIMEOUT_MS,
};

#[derive(Arbitrary, Debug)]
enum Step<'a> {
    BaseUrl(&'a str),
    Proxy(&'a str),
    Timeout(u32),
    ConnectTimeout(u32),
    MaxRetries(u32),
    AllowInsecure(bool),
    Bidirectional(bool),
    AudioTrack(&'a str),
    StreamTimeout(u32),
    CallbackUrl(&'a str),
    CallbackMethod(&'a str),
    ContentType(&'a str),
    ExtraHeaders(&'a str),
}

/// The host of a lower-case `http://host[:port]/...` URL (IPv6 keeps its brackets).
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    if authority.starts_with('[') {
        return authority.split(']').next().unwrap_or("").to_owned() + "]";
    }
    authority
        .rsplit_once(':')
        .map_or(authority, |(h, _)| h)
        .to_owned()
}

fn invalid<T>(r: Result<T, plivo::Error>) -> bool {
    match r {
        Ok(_) => false,
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}");
            assert!(!e.message().is_empty());
            true
        }
    }
}

fuzz_target!(|steps: Vec<Step<'_>>| {
    let mut options = Options::new();
    let mut params = StreamParams::new();
    let mut base_url_set = false;
    let mut last_base_url: Option<String> = None;
    let mut allow_insecure = false;
    for step in steps.iter().take(32) {
        match *step {
            Step::BaseUrl(url) => {
                let refused = invalid(options.set_base_url(url));
                base_url_set |= !refused;
                if !refused {
                    // Schemes are case-insensitive: `HTTP://` is a valid spelling.
                    let lower = url.to_ascii_lowercase();
                    assert!(
                        lower.starts_with("http://") || lower.starts_with("https://"),
                        "{url:?}"
                    );
                    last_base_url = Some(lower);
                }
            }
            Step::Proxy(url) => {
                if !invalid(options.set_proxy(url)) {
                    assert!(url.to_ascii_lowercase().starts_with("http://"), "{url:?}");
                }
            }
            Step::Timeout(ms) => {
                assert_eq!(
                    invalid(options.set_timeout_ms(ms)),
                    ms == 0 || ms > MAX_TIMEOUT_MS
                )
            }
            Step::ConnectTimeout(ms) => assert_eq!(
                invalid(options.set_connect_timeout_ms(ms)),
                ms == 0 || ms > MAX_TIMEOUT_MS
            ),
            Step::MaxRetries(n) => {
                assert_eq!(invalid(options.set_max_retries(n)), n > MAX_RETRIES_LIMIT)
            }
            Step::AllowInsecure(allow) => {
                options.set_allow_insecure_http(allow);
                allow_insecure = allow;
            }
            Step::Bidirectional(on) => params.set_bidirectional(on),
            Step::AudioTrack(s) => {
                if let Ok(t) = AudioTrack::parse(s) {
                    params.set_audio_track(t);
                } else {
                    assert!(!matches!(s, "inbound" | "outbound" | "both"));
                }
            }
            Step::StreamTimeout(s) => {
                assert_eq!(invalid(params.set_stream_timeout(s)), s == 0)
            }
            Step::CallbackUrl(url) => {
                if !invalid(params.set_status_callback_url(url)) {
                    let lower = url.to_ascii_lowercase();
                    assert!(
                        lower.starts_with("http://") || lower.starts_with("https://"),
                        "{url:?}"
                    );
                }
            }
            Step::CallbackMethod(m) => match CallbackMethod::parse(m) {
                Ok(method) => params.set_status_callback_method(method),
                Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidArgument),
            },
            Step::ContentType(c) => match ContentType::parse(c) {
                Ok(ct) => params.set_content_type(ct),
                Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidArgument),
            },
            Step::ExtraHeaders(h) => {
                if !invalid(params.set_extra_headers(h)) {
                    assert!(!h.is_empty() && h.len() <= 512, "{h:?}");
                    assert!(!h.chars().any(char::is_control), "{h:?}");
                }
            }
        }
    }
    // Debug output never shows a proxy password.
    let shown = format!("{options:?}");
    assert!(!shown.contains("fuzzpass@"), "{shown}");
    if base_url_set {
        // Building a client sends nothing; whatever the options, it works or is refused
        // as an invalid argument.
        match Client::new(Some("MA1"), Some("tok"), &options) {
            Ok(client) => {
                assert!(client.account_url().ends_with("/Account/MA1/"));
                // Plain http is for loopback only, whatever the scheme's spelling.
                let url = client.account_url().to_ascii_lowercase();
                // This oracle found that `HTTP://remote/` once bypassed the rule.
                if !allow_insecure && url.starts_with("http://") {
                    let host = last_base_url.as_deref().map(host_of).unwrap_or_default();
                    assert!(
                        host == "localhost" || host.starts_with("127.") || host == "[::1]",
                        "plain http to {host:?} accepted: {}",
                        client.account_url()
                    );
                }
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}"),
        }
    }
});
