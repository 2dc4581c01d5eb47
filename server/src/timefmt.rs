//! Timestamps in the forms Plivo uses: `created_at` in UTC with microseconds
//! (`2023-06-26 02:44:50.617032+00:00`), `start_time`/`end_time` in whole seconds with
//! an offset (`2023-06-26 08:14:29+05:30` in the docs; this server writes `+00:00`).

use std::time::{SystemTime, UNIX_EPOCH};

/// `YYYY-MM-DD HH:MM:SS` of `t` in UTC, and its microseconds.
fn civil(t: SystemTime) -> (String, u32) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil_from_days((secs / 86_400) as i64);
    let sod = secs % 86_400;
    let text = format!(
        "{y:04}-{m:02}-{day:02} {:02}:{:02}:{:02}",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    );
    (text, d.subsec_micros())
}

/// `created_at`'s form: `YYYY-MM-DD HH:MM:SS.ffffff+00:00` in UTC.
pub fn format_utc(t: SystemTime) -> String {
    let (text, micros) = civil(t);
    format!("{text}.{micros:06}+00:00")
}

/// `start_time`/`end_time`'s form: `YYYY-MM-DD HH:MM:SS+00:00` (whole seconds; the
/// offset is always `+00:00` here).
pub fn format_seconds(t: SystemTime) -> String {
    format!("{}+00:00", civil(t).0)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(format_utc(UNIX_EPOCH), "1970-01-01 00:00:00.000000+00:00");
        // 2000-02-29 12:34:56.789012 UTC = 951827696
        let t = UNIX_EPOCH + Duration::new(951_827_696, 789_012_000);
        assert_eq!(format_utc(t), "2000-02-29 12:34:56.789012+00:00");
        // 2026-11-24 15:04:05 UTC = 1795532645
        let t = UNIX_EPOCH + Duration::new(1_795_532_645, 123_456_000);
        assert_eq!(format_utc(t), "2026-11-24 15:04:05.123456+00:00");
        assert_eq!(format_seconds(t), "2026-11-24 15:04:05+00:00");
    }
}
