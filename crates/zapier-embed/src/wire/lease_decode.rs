//! The lease answer, decoded straight into the domain's [`LeaseResponseBody`].
//!
//! Every other answer decodes into its generated type and is then converted into the domain
//! type through its JSON form (`convert`). For the lease answer, the one the consumer reads for
//! every message it processes, that round trip (generated type, JSON text, domain type) cost more
//! than the rest of the lease; here the body's bytes decode once, into the domain type.
//!
//! Nothing is trusted more for it:
//!
//! - the body is read as every other answer is (`Answer::json`): at most
//!   `max_response_bytes`, and a body that does not decode is a decode error with a bounded
//!   excerpt;
//! - unknown fields are ignored and an unknown message status decodes into its `Unknown` arm
//!   (the domain types' rules), so a server that adds to the document breaks nothing;
//! - `results` is required, as the document says: an answer without it (a proxy's `{}` with
//!   status 200) is a decode error, not an empty lease;
//! - what the variant's acks need is checked here, as the generated types checked it: in
//!   variant A every message id is a uuid (the ack request lists them as uuids), and
//!   `Lease::from_response` then requires variant A's `lease_id` and variant B's `lease_token`s.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::Answer;
use crate::call::{Failure, Operation};
use crate::{Error, LeaseResponseBody};
use zapier_embed_domain::{InboxAttributes, LeasedMessageBody};

/// The lease answer as the document defines it for both variants: only `results` is required
/// (variant B sends nothing else); the rest is variant A's.
#[derive(Deserialize)]
struct LeaseAnswer {
    results: Vec<LeasedMessageBody>,
    #[serde(default)]
    lease_id: Option<Uuid>,
    #[serde(default)]
    leased_until: Option<DateTime<Utc>>,
    #[serde(default)]
    inbox_attributes: Option<InboxAttributes>,
}

/// What one variant's lease answer must hold beyond its JSON shape, for its messages to be
/// settled.
pub(super) trait LeaseAnswerRules {
    /// Why `body` cannot be settled in this variant, if it cannot.
    fn problem(body: &LeaseResponseBody) -> Option<String>;
}

impl LeaseAnswerRules for zapier_embed_api::by_id::Client {
    fn problem(body: &LeaseResponseBody) -> Option<String> {
        body.results
            .iter()
            .find(|m| m.id.as_uuid().is_none())
            .map(|m| format!("leased message id {:?} is not a uuid", m.id.as_str()))
    }
}

impl LeaseAnswerRules for zapier_embed_api::by_name::Client {
    fn problem(_: &LeaseResponseBody) -> Option<String> {
        // The lease tokens are checked by `Lease::from_response`; ids are opaque strings.
        None
    }
}

/// Decodes the answer of a lease request of variant `V` (its generated client) straight into the
/// domain's lease body.
pub(super) async fn lease_body<V: LeaseAnswerRules>(
    op: &Operation,
    answer: Answer,
) -> Result<LeaseResponseBody, Failure> {
    let (status, answer): (u16, LeaseAnswer) = answer.json(op).await?;
    let mut body = LeaseResponseBody::new(answer.results);
    body.lease_id = answer.lease_id;
    body.leased_until = answer.leased_until;
    body.inbox_attributes = answer.inbox_attributes;
    match V::problem(&body) {
        None => Ok(body),
        Some(problem) => {
            let mut err = Error::decode(op.name, format!("lease response: {problem}"));
            err.context_mut().set_status(status);
            Err(Failure::answered(err))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zapier_embed_domain::MessageStatus;

    fn answer(json: &str) -> Result<LeaseAnswer, serde_json::Error> {
        serde_json::from_str(json)
    }

    const MESSAGE: &str = r#"{"id": "019ce2fe-5ed1-7318-8a60-33dffd911f6b",
        "created_at": "2026-03-12T16:59:47.185Z", "status": "leased", "payload": {"k": 1},
        "message_attributes": {"lease_count": 1, "error_message": null,
                               "possible_duplicate_data": false}}"#;

    #[test]
    fn an_answer_without_results_is_not_an_empty_lease() {
        assert!(answer("{}").is_err());
        assert!(answer(r#"{"lease_id": null, "leased_until": null}"#).is_err());
        assert!(answer(r#"{"results": []}"#).is_ok());
    }

    #[test]
    fn unknown_fields_and_an_unknown_status_decode() {
        let json = format!(
            r#"{{"results": [{}], "lease_id": "019ce2fe-5ed1-7318-8a60-33dffd911f6a",
                "leased_until": "2026-03-12T17:00:47.185Z", "brand_new": [1, 2],
                "inbox_attributes": {{"status": "hibernating", "paused_reason": null}}}}"#,
            MESSAGE.replace("\"leased\"", "\"teleported\"")
        );
        let answer = answer(&json).expect("decodes");
        assert_eq!(answer.results.len(), 1);
        assert!(answer.lease_id.is_some() && answer.leased_until.is_some());
        assert_eq!(
            answer.results[0].status,
            MessageStatus::Unknown("teleported".into())
        );
        assert!(answer.inbox_attributes.is_some());
    }

    #[test]
    fn variant_a_needs_uuid_message_ids_and_variant_b_does_not() {
        let mut body = LeaseResponseBody::new(
            answer(&format!(r#"{{"results": [{MESSAGE}]}}"#))
                .expect("decodes")
                .results,
        );
        assert_eq!(
            <zapier_embed_api::by_id::Client as LeaseAnswerRules>::problem(&body),
            None
        );
        body.results[0].id = "msg_abc123".into();
        let problem = <zapier_embed_api::by_id::Client as LeaseAnswerRules>::problem(&body);
        assert!(problem.is_some_and(|p| p.contains("msg_abc123")));
        assert_eq!(
            <zapier_embed_api::by_name::Client as LeaseAnswerRules>::problem(&body),
            None
        );
    }
}
