//! Time-based UUIDs (RFC 9562 version 1), the form of Plivo's `api_id`s
//! (e.g. `757c17b8-13cb-11ee-b3a6-0242ac110004`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// 100 ns intervals from the Gregorian reform (1582-10-15) to the Unix epoch.
const GREGORIAN_TO_UNIX: u64 = 0x01B2_1DD2_1381_4000;

/// The last timestamp handed out: each UUID gets a later one, so none repeats.
static LAST: AtomicU64 = AtomicU64::new(0);

/// Clock sequence and node, chosen at random once per process. The node has the
/// multicast bit set, as RFC 9562 asks of a node that is not a MAC address.
fn clock_seq_and_node() -> (u16, [u8; 6]) {
    static CHOSEN: OnceLock<(u16, [u8; 6])> = OnceLock::new();
    *CHOSEN.get_or_init(|| {
        let r = uuid::Uuid::new_v4().into_bytes();
        let mut node = [0u8; 6];
        node.copy_from_slice(&r[10..16]);
        node[0] |= 0x01;
        (u16::from_be_bytes([r[0], r[1]]) & 0x3fff, node)
    })
}

/// A version-1 UUID for `t` with this clock sequence and node, lower-case hex.
fn format(ticks: u64, clock_seq: u16, node: [u8; 6]) -> String {
    let time_low = ticks & 0xffff_ffff;
    let time_mid = (ticks >> 32) & 0xffff;
    let time_hi = ((ticks >> 48) & 0x0fff) | 0x1000;
    let seq = (clock_seq & 0x3fff) | 0x8000;
    let node: String = node.iter().map(|b| format!("{b:02x}")).collect();
    format!("{time_low:08x}-{time_mid:04x}-{time_hi:04x}-{seq:04x}-{node}")
}

/// A fresh version-1 UUID: now, unique within the process.
pub fn now() -> String {
    let since_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let now = GREGORIAN_TO_UNIX + (since_unix.as_nanos() / 100) as u64;
    let mut last = LAST.load(Ordering::Relaxed);
    let ticks = loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(seen) => last = seen,
        }
    };
    let (clock_seq, node) = clock_seq_and_node();
    format(ticks, clock_seq, node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plivo_docs_example_round_trips() {
        // 757c17b8-13cb-11ee-b3a6-0242ac110004: 2023-06-26 02:45:06 UTC, 16 s after the
        // example stream's created_at: the moment the get was answered.
        let ticks = 0x1ee_13cb_757c_17b8;
        let node = [0x02, 0x42, 0xac, 0x11, 0x00, 0x04];
        assert_eq!(
            format(ticks, 0x33a6, node),
            "757c17b8-13cb-11ee-b3a6-0242ac110004"
        );
        let unix_s = (ticks - GREGORIAN_TO_UNIX) / 10_000_000;
        assert_eq!(unix_s, 1_687_747_506);
    }

    #[test]
    fn fresh_ids_are_version_1_variant_10_and_distinct() {
        let a = now();
        let b = now();
        assert_ne!(a, b);
        for id in [&a, &b] {
            let parsed = uuid::Uuid::parse_str(id).expect(id);
            assert_eq!(parsed.get_version_num(), 1, "{id}");
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
    }
}
