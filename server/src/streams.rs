//! Handlers of the Stream API. `synthetic` is true for a fault call whose request is
//! served normally: it behaves as if the call existed with every stream id active,
//! and nothing is stored.

use std::time::SystemTime;

use serde::Serialize;
use serde_json::json;

use crate::response::{new_api_id, Reply};
use crate::start_params;
use crate::state::{State, StoredStream, StreamParams, StreamView};

const NO_ACTIVE_STREAM: &str = "No active stream found";
/// The docs say a second start at a URL with an active stream is a 400, not its text.
const ALREADY_ACTIVE: &str = "an active stream already exists at this service_url";
/// Stream id of the one stream a synthetic (fault) call lists.
const SYNTHETIC_STREAM: &str = "00000000-0000-4000-8000-000000000001";

/// `DELETE .../Stream/{stream}/`
pub fn stop(state: &State, call: &str, stream: &str, synthetic: bool) -> Reply {
    if synthetic {
        return Reply::empty(204);
    }
    let mut calls = state.calls();
    let Some(s) = calls.get_mut(call).and_then(|c| c.get_mut(stream)) else {
        return Reply::not_found();
    };
    if !s.is_active() {
        return Reply::error(400, NO_ACTIVE_STREAM);
    }
    s.end_time = Some(SystemTime::now());
    Reply::empty(204)
}

/// `DELETE .../Stream/`
pub fn stop_all(state: &State, call: &str, synthetic: bool) -> Reply {
    if synthetic {
        return Reply::empty(204);
    }
    let mut calls = state.calls();
    let Some(c) = calls.get_mut(call) else {
        return Reply::not_found();
    };
    let now = SystemTime::now();
    let mut stopped = 0;
    for s in c.streams.iter_mut().filter(|s| s.is_active()) {
        s.end_time = Some(now);
        stopped += 1;
    }
    if stopped == 0 {
        return Reply::error(400, NO_ACTIVE_STREAM);
    }
    Reply::empty(204)
}

/// `POST .../Stream/`
pub fn start(
    state: &State,
    call: &str,
    content_type: Option<&[u8]>,
    body: &[u8],
    synthetic: bool,
) -> Reply {
    if !synthetic && !state.calls().contains_key(call) {
        return Reply::not_found();
    }
    let params = match start_params::parse(content_type, body) {
        Ok(p) => p,
        Err(msg) => return Reply::error(400, &msg),
    };
    let stream_id = uuid::Uuid::new_v4().to_string(); // Plivo's stream ids are v4
    if !synthetic {
        let mut calls = state.calls();
        // The call may have been removed (admin reset) since the check above.
        let Some(c) = calls.get_mut(call) else {
            return Reply::not_found();
        };
        if c.has_active_at(&params.service_url) {
            return Reply::error(400, ALREADY_ACTIVE);
        }
        c.upsert(&stream_id, params);
    }
    Reply::json(
        202,
        &json!({
            "api_id": new_api_id(),
            "message": "audio streaming started",
            "stream_id": stream_id,
        }),
    )
}

/// `GET .../Stream/{stream}/`
pub fn get(state: &State, call: &str, stream: &str, synthetic: bool) -> Reply {
    if synthetic {
        let rec = StoredStream::new(stream.to_string(), StreamParams::default());
        return Reply::json(200, &rec.view(&state.auth_id, call, Some(new_api_id())));
    }
    let calls = state.calls();
    match calls.get(call).and_then(|c| c.get(stream)) {
        Some(s) => Reply::json(200, &s.view(&state.auth_id, call, Some(new_api_id()))),
        None => Reply::not_found(),
    }
}

/// The list's `meta`, members in the docs' order.
#[derive(Serialize)]
struct Meta {
    limit: usize,
    next: Option<String>,
    offset: usize,
    previous: Option<String>,
    total_count: usize,
}

#[derive(Serialize)]
struct ListBody<'a> {
    api_id: String,
    meta: Meta,
    objects: Vec<StreamView<'a>>,
}

/// `limit` (1..=20, default 20) and `offset` (>= 0, default 0) from a query string.
fn paging(query: &str) -> Result<(usize, usize), String> {
    let (mut limit, mut offset) = (20usize, 0usize);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number = || -> Option<usize> {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            value.parse().ok()
        };
        match key {
            "limit" => match number() {
                Some(n) if (1..=20).contains(&n) => limit = n,
                _ => return Err("limit must be an integer from 1 to 20".to_string()),
            },
            "offset" => match number() {
                Some(n) => offset = n,
                None => return Err("offset must be a non-negative integer".to_string()),
            },
            _ => {}
        }
    }
    Ok((limit, offset))
}

/// `GET .../Stream/?limit=&offset=`
pub fn list(state: &State, call: &str, query: &str, synthetic: bool) -> Reply {
    let (limit, offset) = match paging(query) {
        Ok(p) => p,
        Err(msg) => return Reply::error(400, &msg),
    };
    let synthetic_streams;
    let calls;
    let streams: &[StoredStream] = if synthetic {
        synthetic_streams = [StoredStream::new(
            SYNTHETIC_STREAM.to_string(),
            StreamParams::default(),
        )];
        &synthetic_streams
    } else {
        calls = state.calls();
        match calls.get(call) {
            Some(c) => &c.streams,
            None => return Reply::not_found(),
        }
    };
    let count = streams.len();
    let page = |off: usize| {
        format!(
            "/v1/Account/{}/Call/{call}/Stream/?limit={limit}&offset={off}",
            state.auth_id
        )
    };
    let meta = Meta {
        limit,
        next: (offset.saturating_add(limit) < count).then(|| page(offset + limit)),
        offset,
        previous: (offset > 0).then(|| page(offset.saturating_sub(limit))),
        total_count: count,
    };
    let objects = streams
        .iter()
        .skip(offset)
        .take(limit)
        .map(|s| s.view(&state.auth_id, call, None))
        .collect();
    Reply::json(
        200,
        &ListBody {
            api_id: new_api_id(),
            meta,
            objects,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::paging;

    #[test]
    fn paging_values() {
        assert_eq!(paging(""), Ok((20, 0)));
        assert_eq!(paging("limit=5&offset=10"), Ok((5, 10)));
        assert_eq!(paging("foo=bar&limit=1"), Ok((1, 0)));
        assert!(paging("limit=0").is_err());
        assert!(paging("limit=21").is_err());
        assert!(paging("limit=abc").is_err());
        assert!(paging("offset=-1").is_err());
        assert!(paging("offset=").is_err());
    }
}
