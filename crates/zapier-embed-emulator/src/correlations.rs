//! The record of correlation and causation ids received (`GET /_emulator/correlations`).
//!
//! Zapier documents the `Zapier-Correlation-Id` and `Zapier-Causation-Id` request headers but
//! echoes neither in any answer, so the emulator answers exactly as without them and keeps what
//! it received only in this control-API view: the last [`MAX_RECORDS`] API requests that carried
//! at least one of them, with their operation and status, so a test can follow one event across
//! requests (an Action Run started by a handler back to its trigger message).

use std::collections::VecDeque;

use axum::http::HeaderMap;

use crate::models::control::CorrelationRecord;

/// The most records kept (the oldest go first).
pub(crate) const MAX_RECORDS: usize = 1000;

/// The longest id recorded, in bytes; a longer or non-visible-ASCII value is recorded as absent.
const MAX_ID_BYTES: usize = 256;

/// The longest path recorded, in bytes (cut on a character boundary).
const MAX_PATH_BYTES: usize = 512;

/// A correlation or causation id header, when it is a recordable value.
fn id(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?;
    (!value.is_empty()
        && value.len() <= MAX_ID_BYTES
        && value.bytes().all(|b| b.is_ascii_graphic()))
    .then(|| value.to_owned())
}

/// The ids of one request, read before it is handled.
#[derive(Debug, Clone)]
pub(crate) struct ReceivedIds {
    correlation_id: Option<String>,
    causation_id: Option<String>,
}

impl ReceivedIds {
    /// The ids a request carries; `None` when it carries neither.
    pub(crate) fn of(headers: &HeaderMap) -> Option<ReceivedIds> {
        let ids = ReceivedIds {
            correlation_id: id(headers, "zapier-correlation-id"),
            causation_id: id(headers, "zapier-causation-id"),
        };
        (ids.correlation_id.is_some() || ids.causation_id.is_some()).then_some(ids)
    }
}

/// The bounded record.
#[derive(Debug, Default)]
pub(crate) struct Correlations {
    records: VecDeque<CorrelationRecord>,
}

impl Correlations {
    /// Records one answered request.
    pub(crate) fn record(&mut self, ids: ReceivedIds, operation: &str, path: &str, status: u16) {
        if self.records.len() >= MAX_RECORDS {
            self.records.pop_front();
        }
        let mut cut = path.len().min(MAX_PATH_BYTES);
        while !path.is_char_boundary(cut) {
            cut -= 1;
        }
        self.records.push_back(CorrelationRecord {
            operation: operation.to_owned(),
            path: path[..cut].to_owned(),
            status,
            correlation_id: ids.correlation_id,
            causation_id: ids.causation_id,
        });
    }

    /// Every record, oldest first.
    pub(crate) fn all(&self) -> Vec<CorrelationRecord> {
        self.records.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_recordable_ids_count_and_the_record_is_bounded() {
        let mut headers = HeaderMap::new();
        assert!(ReceivedIds::of(&headers).is_none());
        headers.insert("zapier-causation-id", HeaderValue::from_static("a b"));
        assert!(ReceivedIds::of(&headers).is_none());
        headers.insert("zapier-correlation-id", HeaderValue::from_static("c-1"));
        let ids = ReceivedIds::of(&headers).unwrap();
        assert_eq!(ids.correlation_id.as_deref(), Some("c-1"));
        assert_eq!(ids.causation_id, None);

        let mut log = Correlations::default();
        for n in 0..MAX_RECORDS + 5 {
            log.record(ids.clone(), "op", &format!("/p/{n}"), 200);
        }
        let all = log.all();
        assert_eq!(all.len(), MAX_RECORDS);
        assert_eq!(all[0].path, "/p/5");
        log.record(ids, "op", &"é".repeat(400), 200);
        assert!(log.all().last().unwrap().path.len() <= MAX_PATH_BYTES);
    }
}
