//! Parsing `Retry-After` and `X-RateLimit-Reset`.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

/// Parses a `Retry-After` header value: delay seconds (integer, or decimal since the spec types
/// it as `number`) or an HTTP-date (IMF-fixdate, RFC 850 or asctime). A date in the past gives
/// zero; anything unparseable or negative gives `None`.
///
/// ```
/// use std::time::Duration;
/// use chrono::{TimeZone, Utc};
/// use zapier_embed_domain::parse_retry_after;
/// let now = Utc.with_ymd_and_hms(2015, 10, 21, 7, 28, 0).unwrap();
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(header: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = header.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Values past u64 are absurd but valid digits: saturate rather than give up.
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::try_from_secs_f64(secs).ok())
            .flatten();
    }
    let at = parse_http_date(value)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// Parses an `X-RateLimit-Reset` value the way Zapier's SDK does: an epoch timestamp in seconds
/// when it is at least 1e9, otherwise a delay in seconds.
///
/// ```
/// use std::time::Duration;
/// use chrono::{TimeZone, Utc};
/// use zapier_embed_domain::parse_rate_limit_reset;
/// let now = Utc.timestamp_opt(2_000_000_000, 0).unwrap();
/// assert_eq!(parse_rate_limit_reset("30", now), Some(Duration::from_secs(30)));
/// assert_eq!(parse_rate_limit_reset("2000000045", now), Some(Duration::from_secs(45)));
/// ```
pub fn parse_rate_limit_reset(header: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = header.trim().parse::<f64>().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    if value >= 1e9 {
        let secs = value - now.timestamp() as f64;
        Some(Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::ZERO))
    } else {
        Duration::try_from_secs_f64(value).ok()
    }
}

/// RFC 9110 §5.6.7: IMF-fixdate, plus the obsolete RFC 850 and asctime forms it requires
/// recipients to accept.
fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc2822(value) {
        return Some(dt.with_timezone(&Utc));
    }
    for format in ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(value, format) {
            return Some(naive.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(1994, 11, 6, 8, 49, 0).unwrap()
    }

    #[test]
    fn all_three_date_forms() {
        for raw in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                parse_retry_after(raw, now()),
                Some(Duration::from_secs(37)),
                "{raw}"
            );
        }
    }

    #[test]
    fn past_dates_are_zero_and_junk_is_none() {
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        for junk in ["", "-5", "NaN", "inf", "1e400", "tomorrow"] {
            assert_eq!(parse_retry_after(junk, now()), None, "{junk}");
        }
        assert_eq!(
            parse_retry_after(" 1.5 ", now()),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now()),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = parse_retry_after(&s, now());
            let _ = parse_rate_limit_reset(&s, now());
        }
    }
}
