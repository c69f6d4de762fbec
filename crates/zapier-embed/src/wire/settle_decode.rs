//! The answer of an ack or release, decoded straight into what the facade reads of it.
//!
//! Of the settled messages an answer lists, the facade reads only their ids (`Settled`): which
//! messages the server says it acked or released. Decoding each listed message into its generated
//! type first (timestamp, attributes, status) cost as much as the rest of the ack for a consumer's
//! lease of 100 messages, so the body's bytes decode once, into the ids.
//!
//! Nothing is trusted more for it: the body is read as every other answer is (at most `max_response_bytes`, a decode error with a bounded excerpt otherwise); `results` is
//! required and every listed message must carry an `id` string; other fields, known or not, are
//! not read. An id that is not one of the request's (or not a uuid in variant A) matches no
//! handle, so the message it stands for is reported as not settled, never as settled.

use serde::Deserialize;

use super::{Answer, Settled};
use crate::MessageId;
use crate::call::{Failure, Operation};

/// An ack or release answer as far as the facade reads it.
#[derive(Deserialize)]
struct SettleAnswer {
    results: Vec<SettledMessage>,
}

/// One message the answer lists as settled.
#[derive(Deserialize)]
struct SettledMessage {
    id: MessageId,
}

/// Reads the ids the answer of an ack or release request lists.
pub(super) async fn settled(op: &Operation, answer: Answer) -> Result<Settled, Failure> {
    let (status, answer): (u16, SettleAnswer) = answer.json(op).await?;
    Ok(Settled {
        status,
        message_ids: answer.results.into_iter().map(|m| m.id).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ids_are_read_and_results_are_required() {
        let answer: SettleAnswer = serde_json::from_str(
            r#"{"acked_id": null, "results": [{"id": "019ce2fe-5ed1-7318-8a60-33dffd911f6b",
                "created_at": "not a time", "status": "brand_new", "extra": {"a": 1}}]}"#,
        )
        .expect("decodes");
        assert_eq!(
            answer.results[0].id.as_str(),
            "019ce2fe-5ed1-7318-8a60-33dffd911f6b"
        );
        assert!(serde_json::from_str::<SettleAnswer>("{}").is_err());
        assert!(serde_json::from_str::<SettleAnswer>(r#"{"results": [{}]}"#).is_err());
        assert!(serde_json::from_str::<SettleAnswer>(r#"{"results": [{"id": 7}]}"#).is_err());
    }
}
