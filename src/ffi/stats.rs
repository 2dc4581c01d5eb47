//! The client's counters as the JSON object `plivo_client_stats` hands out.

use crate::client::{ErrorKind, Stats};

pub(crate) fn to_json(stats: &Stats) -> String {
    let outcomes: serde_json::Map<String, serde_json::Value> = stats
        .outcomes
        .iter()
        .map(|(code, n)| {
            let name = ErrorKind::code_name(*code).unwrap_or("PLIVO_ERR_UNKNOWN");
            (name.to_owned(), (*n).into())
        })
        .collect();
    serde_json::json!({
        "requests": stats.requests,
        "attempts": stats.attempts,
        "retries": stats.retries,
        "in_flight": stats.in_flight,
        "outcomes": outcomes,
        "connections": {
            "opened": stats.connections_opened,
            "reused": stats.connections_reused,
            "discarded": stats.connections_discarded,
        },
        "latency_us": {
            "p50": stats.latency_p50_us,
            "p90": stats.latency_p90_us,
            "p99": stats.latency_p99_us,
            "max": stats.latency_max_us,
        },
    })
    .to_string()
}
