//! The Audio Stream resource: request parameters, response models and operations.

use serde::{Deserialize, Serialize};

use super::error::{quoted, Error, ErrorKind};
use super::ids::check_id;
use super::transport::Method;
use super::{shown, Client, Reply};

/// Which audio of the call is streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioTrack {
    Inbound,
    Outbound,
    Both,
}

/// HTTP method of the status callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CallbackMethod {
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "POST")]
    Post,
}

/// Audio format sent to the WebSocket service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ContentType {
    #[serde(rename = "audio/x-l16;rate=8000")]
    L16Rate8000,
    #[serde(rename = "audio/x-l16;rate=16000")]
    L16Rate16000,
    #[serde(rename = "audio/x-mulaw;rate=8000")]
    MulawRate8000,
}

impl AudioTrack {
    /// `inbound`, `outbound` or `both`.
    pub fn parse(s: &str) -> Result<AudioTrack, Error> {
        match s {
            "inbound" => Ok(AudioTrack::Inbound),
            "outbound" => Ok(AudioTrack::Outbound),
            "both" => Ok(AudioTrack::Both),
            _ => Err(Error::invalid(format!(
                "audio_track {} is not one of inbound, outbound, both",
                quoted(s)
            ))),
        }
    }
}

impl CallbackMethod {
    /// `GET` or `POST`.
    pub fn parse(s: &str) -> Result<CallbackMethod, Error> {
        match s {
            "GET" => Ok(CallbackMethod::Get),
            "POST" => Ok(CallbackMethod::Post),
            _ => Err(Error::invalid(format!(
                "status_callback_method {} is not GET or POST",
                quoted(s)
            ))),
        }
    }
}

impl ContentType {
    /// One of the three audio formats the API accepts.
    pub fn parse(s: &str) -> Result<ContentType, Error> {
        match s {
            "audio/x-l16;rate=8000" => Ok(ContentType::L16Rate8000),
            "audio/x-l16;rate=16000" => Ok(ContentType::L16Rate16000),
            "audio/x-mulaw;rate=8000" => Ok(ContentType::MulawRate8000),
            _ => Err(Error::invalid(format!(
                "content_type {} is not one of audio/x-l16;rate=8000, \
                 audio/x-l16;rate=16000, audio/x-mulaw;rate=8000",
                quoted(s)
            ))),
        }
    }
}

/// Largest `stream_timeout` accepted (the API's default: one day).
pub const MAX_STREAM_TIMEOUT_S: u32 = 86_400;
/// Largest `extra_headers` string the API accepts.
pub const MAX_EXTRA_HEADERS_BYTES: usize = 512;

/// Optional parameters of a new stream. Each setter validates its value; the
/// combination is checked when the stream is started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    bidirectional: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audio_track: Option<AudioTrack>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_timeout: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_callback_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_callback_method: Option<CallbackMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_type: Option<ContentType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_headers: Option<String>,
}

impl StreamParams {
    pub fn new() -> StreamParams {
        StreamParams::default()
    }

    /// Let the service send audio back into the call (then the track must be inbound).
    pub fn set_bidirectional(&mut self, on: bool) {
        self.bidirectional = Some(on);
    }

    pub fn set_audio_track(&mut self, track: AudioTrack) {
        self.audio_track = Some(track);
    }

    /// Seconds after which the stream ends by itself: 1–86400.
    pub fn set_stream_timeout(&mut self, seconds: u32) -> Result<(), Error> {
        if seconds == 0 || seconds > MAX_STREAM_TIMEOUT_S {
            return Err(Error::invalid(format!(
                "stream_timeout {seconds} is out of range 1-{MAX_STREAM_TIMEOUT_S}"
            )));
        }
        self.stream_timeout = Some(seconds);
        Ok(())
    }

    /// An absolute `http://` or `https://` URL for stream events.
    pub fn set_status_callback_url(&mut self, url: &str) -> Result<(), Error> {
        let valid = url
            .parse::<ureq::http::Uri>()
            .ok()
            .filter(|u| matches!(u.scheme_str(), Some("http" | "https")))
            .and_then(|u| u.host().map(|h| !h.is_empty()))
            .unwrap_or(false);
        if !valid {
            return Err(Error::invalid(format!(
                "status_callback_url {} is not an absolute http:// or https:// URL",
                quoted(&super::options::redact_userinfo(url))
            )));
        }
        self.status_callback_url = Some(url.to_owned());
        Ok(())
    }

    pub fn set_status_callback_method(&mut self, method: CallbackMethod) {
        self.status_callback_method = Some(method);
    }

    pub fn set_content_type(&mut self, content_type: ContentType) {
        self.content_type = Some(content_type);
    }

    /// Headers for the WebSocket service as `key=value` pairs joined by commas, at most
    /// 512 bytes; keys are `A-Z a-z 0-9 - _`, values have no `,` `=` or control bytes.
    pub fn set_extra_headers(&mut self, headers: &str) -> Result<(), Error> {
        check_extra_headers(headers)?;
        self.extra_headers = Some(headers.to_owned());
        Ok(())
    }

    fn check_combination(&self) -> Result<(), Error> {
        let track = self.audio_track.unwrap_or(AudioTrack::Inbound);
        if self.bidirectional == Some(true) && track != AudioTrack::Inbound {
            return Err(Error::invalid(
                "a bidirectional stream must use audio_track inbound",
            ));
        }
        Ok(())
    }
}

fn check_extra_headers(headers: &str) -> Result<(), Error> {
    let refuse = |why: String| Err(Error::invalid(format!("extra_headers {why}")));
    if headers.is_empty() {
        return refuse("is empty".into());
    }
    if headers.len() > MAX_EXTRA_HEADERS_BYTES {
        return refuse(format!(
            "is {} bytes; at most {MAX_EXTRA_HEADERS_BYTES} are allowed",
            headers.len()
        ));
    }
    for pair in headers.split(',') {
        let Some((key, value)) = pair.split_once('=') else {
            return refuse(format!("pair {} is not key=value", quoted(pair)));
        };
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return refuse(format!(
                "key {} must be A-Z, a-z, 0-9, '-' or '_'",
                quoted(key)
            ));
        }
        if value.contains('=') || value.chars().any(char::is_control) {
            return refuse(format!(
                "value of {} has '=' or a control character",
                quoted(key)
            ));
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct StartBody<'a> {
    service_url: &'a str,
    #[serde(flatten)]
    params: &'a StreamParams,
}

/// What a successful start answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StreamStarted {
    #[serde(default)]
    pub stream_id: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// One audio stream as the API describes it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Stream {
    pub stream_id: String,
    pub call_uuid: Option<String>,
    pub service_url: Option<String>,
    pub status: Option<String>,
    pub audio_track: Option<String>,
    pub bidirectional: Option<bool>,
    pub content_type: Option<String>,
    pub stream_timeout: Option<u64>,
    pub status_callback_url: Option<String>,
    pub created_at: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub bill_duration: Option<i64>,
    pub billed_amount: Option<String>,
    pub rounded_bill_duration: Option<i64>,
    pub error_code: Option<serde_json::Value>,
    pub error_message: Option<String>,
    pub resource_uri: Option<String>,
}

/// Paging information of a stream list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StreamListMeta {
    pub count: u64,
    pub limit: u64,
    pub offset: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
}

/// One page of a call's streams.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct StreamList {
    #[serde(default)]
    pub meta: StreamListMeta,
    pub objects: Vec<Stream>,
}

fn invalid_response(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidResponse,
        format!("the 2xx answer is not the JSON {what} expected: {e}"),
    )
}

/// Parse a 2xx body as `T`, keeping the status and api_id on failure.
fn parse_body<T: for<'de> Deserialize<'de>>(
    reply: Reply<Vec<u8>>,
    what: &str,
) -> Result<Reply<T>, Error> {
    match serde_json::from_slice::<T>(&reply.value) {
        Ok(value) => Ok(Reply {
            status: reply.status,
            api_id: reply.api_id,
            value,
        }),
        Err(e) => Err(invalid_response(what, e).with_response(reply.status, reply.api_id)),
    }
}

/// The body as text, checked to be one JSON object.
fn json_object_text(reply: Reply<Vec<u8>>, what: &str) -> Result<Reply<String>, Error> {
    let checked = parse_body::<serde_json::Map<String, serde_json::Value>>(reply.clone(), what)?;
    let text = String::from_utf8(reply.value).map_err(|e| invalid_response(what, e))?;
    Ok(Reply {
        status: checked.status,
        api_id: checked.api_id,
        value: text,
    })
}

impl Client {
    /// Stop every active stream of a call: `DELETE …/Call/{call_uuid}/Stream/`.
    pub fn stop_all_streams(&self, call_uuid: &str) -> Result<Reply<()>, Error> {
        self.run(
            || format!("stop_all_streams(call_uuid={})", shown(call_uuid)),
            || {
                check_id("call_uuid", call_uuid)?;
                let url = self.stream_url(call_uuid, None);
                self.send(Method::Delete, &url, None).map(|r| r.map(|_| ()))
            },
        )
    }

    /// Start a stream: `POST …/Call/{call_uuid}/Stream/` with a JSON body. Any 2xx is
    /// success; the answer's `stream_id` is returned when it has one.
    pub fn start_stream(
        &self,
        call_uuid: &str,
        service_url: &str,
        params: &StreamParams,
    ) -> Result<Reply<StreamStarted>, Error> {
        self.run(
            || format!("start_stream(call_uuid={})", shown(call_uuid)),
            || {
                let reply = self.send_start(call_uuid, service_url, params)?;
                let started = serde_json::from_slice(&reply.value).unwrap_or_default();
                Ok(reply.map(|_| started))
            },
        )
    }

    /// Like [`Client::start_stream`], but a 2xx answer without a string `stream_id` is
    /// [`ErrorKind::InvalidResponse`].
    pub fn start_stream_id(
        &self,
        call_uuid: &str,
        service_url: &str,
        params: &StreamParams,
    ) -> Result<Reply<String>, Error> {
        self.run(
            || format!("start_stream(call_uuid={})", shown(call_uuid)),
            || {
                let reply = self.send_start(call_uuid, service_url, params)?;
                let started: Reply<StreamStarted> = parse_body(reply, "start answer")?;
                match started.value.stream_id {
                    Some(id) => Ok(Reply {
                        status: started.status,
                        api_id: started.api_id,
                        value: id,
                    }),
                    None => Err(invalid_response("start answer", "it has no stream_id")
                        .with_response(started.status, started.api_id)),
                }
            },
        )
    }

    fn send_start(
        &self,
        call_uuid: &str,
        service_url: &str,
        params: &StreamParams,
    ) -> Result<Reply<Vec<u8>>, Error> {
        check_start(call_uuid, service_url, params)?;
        let body = serde_json::to_vec(&StartBody {
            service_url,
            params,
        })
        .map_err(|e| Error::invalid(format!("parameters cannot be encoded: {e}")))?;
        let url = self.stream_url(call_uuid, None);
        self.send(Method::Post, &url, Some(&body))
    }

    /// Details of one stream: `GET …/Call/{call_uuid}/Stream/{stream_uuid}/`.
    pub fn get_stream(&self, call_uuid: &str, stream_uuid: &str) -> Result<Reply<Stream>, Error> {
        self.run(
            || {
                format!(
                    "get_stream(call_uuid={}, stream_uuid={})",
                    shown(call_uuid),
                    shown(stream_uuid)
                )
            },
            || parse_body(self.fetch_stream(call_uuid, stream_uuid)?, "stream"),
        )
    }

    /// Like [`Client::get_stream`], returning the body as JSON text.
    pub fn get_stream_json(
        &self,
        call_uuid: &str,
        stream_uuid: &str,
    ) -> Result<Reply<String>, Error> {
        self.run(
            || {
                format!(
                    "get_stream(call_uuid={}, stream_uuid={})",
                    shown(call_uuid),
                    shown(stream_uuid)
                )
            },
            || json_object_text(self.fetch_stream(call_uuid, stream_uuid)?, "stream"),
        )
    }

    fn fetch_stream(&self, call_uuid: &str, stream_uuid: &str) -> Result<Reply<Vec<u8>>, Error> {
        check_id("call_uuid", call_uuid)?;
        check_id("stream_uuid", stream_uuid)?;
        self.send(
            Method::Get,
            &self.stream_url(call_uuid, Some(stream_uuid)),
            None,
        )
    }

    /// The first page of a call's streams: `GET …/Call/{call_uuid}/Stream/`.
    pub fn list_streams(&self, call_uuid: &str) -> Result<Reply<StreamList>, Error> {
        self.run(
            || format!("list_streams(call_uuid={})", shown(call_uuid)),
            || parse_body(self.fetch_list(call_uuid)?, "stream list"),
        )
    }

    /// Like [`Client::list_streams`], returning the body as JSON text.
    pub fn list_streams_json(&self, call_uuid: &str) -> Result<Reply<String>, Error> {
        self.run(
            || format!("list_streams(call_uuid={})", shown(call_uuid)),
            || json_object_text(self.fetch_list(call_uuid)?, "stream list"),
        )
    }

    fn fetch_list(&self, call_uuid: &str) -> Result<Reply<Vec<u8>>, Error> {
        check_id("call_uuid", call_uuid)?;
        self.send(Method::Get, &self.stream_url(call_uuid, None), None)
    }
}

/// What a start checks before sending anything (also at a queue's submit).
pub(crate) fn check_start(
    call_uuid: &str,
    service_url: &str,
    params: &StreamParams,
) -> Result<(), Error> {
    check_id("call_uuid", call_uuid)?;
    check_service_url(service_url)?;
    params.check_combination()
}

fn check_service_url(url: &str) -> Result<(), Error> {
    let valid = url
        .parse::<ureq::http::Uri>()
        .ok()
        .filter(|u| matches!(u.scheme_str(), Some("ws" | "wss")))
        .and_then(|u| u.host().map(|h| !h.is_empty()))
        .unwrap_or(false);
    if !valid {
        return Err(Error::invalid(format!(
            "service_url {} is not a ws:// or wss:// URL",
            quoted(&super::options::redact_userinfo(url))
        )));
    }
    Ok(())
}
