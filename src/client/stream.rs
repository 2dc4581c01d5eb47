//! The Audio Stream resource: request parameters, response models and operations.

use serde::{Deserialize, Serialize};

use super::error::{Error, ErrorKind};
use super::ids::check_id;
use super::text::operation;
use super::text::quoted;
use super::transport::Method;
use super::url::check_absolute;
use super::{Client, Reply};

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
    #[serde(skip_serializing_if = "Option::is_none")]
    cx_bot: Option<bool>,
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

    /// Seconds after which the stream ends by itself: any positive number (the API
    /// documents no maximum; its default is 86400).
    pub fn set_stream_timeout(&mut self, seconds: u32) -> Result<(), Error> {
        if seconds == 0 {
            return Err(Error::invalid(
                "stream_timeout 0 is not a positive number of seconds",
            ));
        }
        self.stream_timeout = Some(seconds);
        Ok(())
    }

    /// An absolute `http://` or `https://` URL for stream events.
    pub fn set_status_callback_url(&mut self, url: &str) -> Result<(), Error> {
        check_absolute(
            "status_callback_url",
            url,
            &["http", "https"],
            "an absolute http:// or https:// URL",
        )?;
        self.status_callback_url = Some(url.to_owned());
        Ok(())
    }

    pub fn set_status_callback_method(&mut self, method: CallbackMethod) {
        self.status_callback_method = Some(method);
    }

    pub fn set_content_type(&mut self, content_type: ContentType) {
        self.content_type = Some(content_type);
    }

    /// Whether the stream goes to a conversational bot (`cx_bot`; sent by Plivo's
    /// Python and Go SDKs, not documented, so no default is assumed).
    pub fn set_cx_bot(&mut self, on: bool) {
        self.cx_bot = Some(on);
    }

    /// Headers for the WebSocket service as the docs give them: `key=value` pairs
    /// joined by commas (`key1=value1,key2=value2`), at most 512 bytes, keys and values
    /// of `A-Z a-z 0-9` only.
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
        let alnum = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
        if !alnum(key) {
            return refuse(format!(
                "key {} must be one or more of A-Z, a-z, 0-9",
                quoted(key)
            ));
        }
        if !alnum(value) {
            return refuse(format!(
                "value of {} must be one or more of A-Z, a-z, 0-9",
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

/// What a successful start answered. Read leniently: a member of another type than
/// expected is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StreamStarted {
    /// Only a JSON string counts: the C contract wants "a string `stream_id`".
    #[serde(default, deserialize_with = "lenient::only_string")]
    pub stream_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub message: Option<String>,
}

/// One audio stream as the API describes it.
///
/// Read leniently, as the API's answers vary (docs, SDK fixtures, API versions): a
/// member that is missing, `null` or of a type that cannot stand for it is `None`;
/// a number may come as a numeric string and the reverse (`billed_amount` is text,
/// given as a string or a number); members not listed here are kept in `other`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Stream {
    /// `""` when the answer has none.
    #[serde(deserialize_with = "lenient::string_or_empty")]
    pub stream_id: String,
    /// Only in a get's answer (list objects have none).
    #[serde(deserialize_with = "lenient::string")]
    pub api_id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub call_uuid: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub plivo_auth_id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub service_url: Option<String>,
    /// E.g. `initiated`.
    #[serde(deserialize_with = "lenient::string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub audio_track: Option<String>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub bidirectional: Option<bool>,
    /// `""` when none was set.
    #[serde(deserialize_with = "lenient::string")]
    pub status_callback_url: Option<String>,
    /// UTC with microseconds, e.g. `2023-06-26 02:44:50.617032+00:00`.
    #[serde(deserialize_with = "lenient::string")]
    pub created_at: Option<String>,
    /// With an offset, e.g. `2023-06-26 08:14:29+05:30`; `None` before the stream runs.
    #[serde(deserialize_with = "lenient::string")]
    pub start_time: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub end_time: Option<String>,
    /// Seconds.
    #[serde(deserialize_with = "lenient::integer")]
    pub bill_duration: Option<i64>,
    /// Decimal text, e.g. `"0.00300"`.
    #[serde(deserialize_with = "lenient::string")]
    pub billed_amount: Option<String>,
    /// Seconds, rounded up to whole minutes.
    #[serde(deserialize_with = "lenient::integer")]
    pub rounded_bill_duration: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub resource_uri: Option<String>,
    /// Every member not listed above, as sent.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Paging information of a stream list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamListMeta {
    /// Streams in all pages: `total_count`, or the 2022 beta's `count`, else 0.
    pub total_count: u64,
    pub limit: u64,
    pub offset: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
}

impl<'de> Deserialize<'de> for StreamListMeta {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(default)]
        #[derive(Default)]
        struct Wire {
            #[serde(deserialize_with = "lenient::integer")]
            total_count: Option<i64>,
            #[serde(deserialize_with = "lenient::integer")]
            count: Option<i64>,
            #[serde(deserialize_with = "lenient::integer")]
            limit: Option<i64>,
            #[serde(deserialize_with = "lenient::integer")]
            offset: Option<i64>,
            #[serde(deserialize_with = "lenient::string")]
            next: Option<String>,
            #[serde(deserialize_with = "lenient::string")]
            previous: Option<String>,
        }
        let w = Option::<Wire>::deserialize(d)?.unwrap_or_default();
        let count = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
        Ok(StreamListMeta {
            total_count: count(w.total_count).or(count(w.count)).unwrap_or(0),
            limit: count(w.limit).unwrap_or(0),
            offset: count(w.offset).unwrap_or(0),
            next: w.next,
            previous: w.previous,
        })
    }
}

/// One page of a call's streams. `meta` and `objects` missing or `null` read as
/// empty; `objects` that is not an array of objects is not a stream list.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct StreamList {
    #[serde(default, deserialize_with = "lenient::string")]
    pub api_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::or_default")]
    pub meta: StreamListMeta,
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub objects: Vec<Stream>,
}

/// Deserializers that read what the API may send for a member and never fail on it.
mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// A string, or a number's JSON text; else `None`.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }

    /// A string; else `None`.
    pub fn only_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            _ => None,
        })
    }

    pub fn string_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(string(d)?.unwrap_or_default())
    }

    /// An integer, a number (fraction dropped) or a numeric string; else `None`.
    pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let from_f64 = |f: f64| (f.is_finite() && f.abs() < 9e18).then_some(f as i64);
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(from_f64)),
            Value::String(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().and_then(from_f64))
            }
            _ => None,
        })
    }

    /// A boolean, or `"true"`/`"false"`; else `None`.
    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Bool(b) => Some(b),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
    }

    /// `T`, or its default for `null` or a value `T` cannot read.
    pub fn or_default<'de, D: Deserializer<'de>, T: Default + serde::de::DeserializeOwned>(
        d: D,
    ) -> Result<T, D::Error> {
        Ok(T::deserialize(Value::deserialize(d)?).unwrap_or_default())
    }

    /// `T`, or its default for `null`; any other value must be a `T`.
    pub fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
    }
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
    reply.try_map(|body| serde_json::from_slice(&body).map_err(|e| invalid_response(what, e)))
}

/// The body as text, checked to be one JSON object.
fn json_object_text(reply: Reply<Vec<u8>>, what: &str) -> Result<Reply<String>, Error> {
    reply.try_map(|body| {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body)
            .map_err(|e| invalid_response(what, e))?;
        String::from_utf8(body).map_err(|e| invalid_response(what, e))
    })
}

impl Client {
    /// Stop one audio stream: `DELETE …/Call/{call_uuid}/Stream/{stream_uuid}/`.
    /// An answer that there is no active stream is [`ErrorKind::NoActiveStream`].
    pub fn stop_stream(&self, call_uuid: &str, stream_uuid: &str) -> Result<Reply<()>, Error> {
        let op = || operation("stop_stream", call_uuid, Some(stream_uuid));
        self.run(op, || {
            check_id("call_uuid", call_uuid)?;
            check_id("stream_uuid", stream_uuid)?;
            let url = self.stream_url(call_uuid, Some(stream_uuid));
            self.send(Method::Delete, &url, None).map(|r| r.map(|_| ()))
        })
    }

    /// Stop every active stream of a call: `DELETE …/Call/{call_uuid}/Stream/`.
    pub fn stop_all_streams(&self, call_uuid: &str) -> Result<Reply<()>, Error> {
        self.run(
            || operation("stop_all_streams", call_uuid, None),
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
        self.start(call_uuid, service_url, params, |reply| {
            let started = serde_json::from_slice(&reply.value).unwrap_or_default();
            Ok(reply.map(|_| started))
        })
    }

    /// Like [`Client::start_stream`], but a 2xx answer without a string `stream_id` is
    /// [`ErrorKind::InvalidResponse`].
    pub fn start_stream_id(
        &self,
        call_uuid: &str,
        service_url: &str,
        params: &StreamParams,
    ) -> Result<Reply<String>, Error> {
        self.start(call_uuid, service_url, params, |reply| {
            let started: Reply<StreamStarted> = parse_body(reply, "start answer")?;
            started.try_map(|started| {
                started
                    .stream_id
                    .ok_or_else(|| invalid_response("start answer", "it has no stream_id"))
            })
        })
    }

    /// A start, with `read` making the caller's value of the 2xx answer.
    fn start<T>(
        &self,
        call_uuid: &str,
        service_url: &str,
        params: &StreamParams,
        read: impl FnOnce(Reply<Vec<u8>>) -> Result<Reply<T>, Error>,
    ) -> Result<Reply<T>, Error> {
        self.run(
            || operation("start_stream", call_uuid, None),
            || read(self.send_start(call_uuid, service_url, params)?),
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
            || operation("get_stream", call_uuid, Some(stream_uuid)),
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
            || operation("get_stream", call_uuid, Some(stream_uuid)),
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
            || operation("list_streams", call_uuid, None),
            || parse_body(self.fetch_list(call_uuid)?, "stream list"),
        )
    }

    /// Like [`Client::list_streams`], returning the body as JSON text.
    pub fn list_streams_json(&self, call_uuid: &str) -> Result<Reply<String>, Error> {
        self.run(
            || operation("list_streams", call_uuid, None),
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
    check_absolute("service_url", url, &["ws", "wss"], "a ws:// or wss:// URL")
}
