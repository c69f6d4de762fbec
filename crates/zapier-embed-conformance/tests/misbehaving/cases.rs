//! The misbehaviours, one per check, and the requests they single out.

use axum::http::{HeaderValue, Method};
use serde_json::{Value, json};

use crate::proxy::{Answer, Matches, Misbehaviour, Request};

/// One misbehaviour and the check that must catch it.
pub(crate) struct Case {
    pub(crate) check: &'static str,
    pub(crate) misbehaviour: Misbehaviour,
}

impl Case {
    fn new(check: &'static str, misbehaviour: Misbehaviour) -> Self {
        Case {
            check,
            misbehaviour,
        }
    }

    /// Answers `to` instead of `from` to the requests `requests` matches.
    fn status(check: &'static str, requests: Matches, from: u16, to: u16) -> Self {
        Self::new(check, Misbehaviour::status(requests, from, to))
    }
}

fn is(request: &Request, method: Method, path_end: &str) -> bool {
    let path = request.target.split('?').next().unwrap_or_default();
    request.method == method && path.ends_with(path_end)
}

fn is_collection(request: &Request) -> bool {
    request
        .target
        .split('?')
        .next()
        .unwrap_or_default()
        .ends_with("/inboxes")
}

pub(crate) fn is_one_inbox(request: &Request) -> bool {
    let path = request.target.split('?').next().unwrap_or_default();
    path.rsplit_once("/inboxes/")
        .is_some_and(|(_, id)| !id.contains('/'))
}

fn any(_: &Request) -> bool {
    true
}

/// A lease of variant A (variant B's paths end with a slash).
fn is_lease(request: &Request) -> bool {
    is(request, Method::POST, "/messages/lease")
}

fn results_mut(answer: &mut Answer) -> &mut Vec<Value> {
    if !answer.body["results"].is_array() {
        answer.body["results"] = json!([]);
    }
    answer.body["results"].as_array_mut().expect("an array")
}

fn rename_error_code(answer: &mut Answer, from: &str, to: &str) {
    if answer.body["errors"][0]["code"] == from {
        answer.body["errors"][0]["code"] = json!(to);
    }
}

/// Variant A's documented behaviours, one case for every check.
pub(crate) fn cases() -> Vec<Case> {
    vec![
        Case::status(
            "inbox.create_then_active",
            |r| r.method == Method::POST && is_collection(r),
            201,
            200,
        ),
        Case::status("inbox.name_conflict_409", any, 409, 400),
        Case::status(
            "inbox.ensure_200_201",
            |r| r.method == Method::PUT,
            200,
            201,
        ),
        Case::new(
            "inbox.list_by_name",
            Misbehaviour::answer(|r, a, _| {
                if r.method == Method::GET && is_collection(r) {
                    results_mut(a).clear();
                }
            }),
        ),
        Case::new(
            "inbox.pause_resume",
            Misbehaviour::answer(|r, a, _| {
                if is(r, Method::POST, "/pause") {
                    a.body["paused_reason"] = Value::Null;
                }
            }),
        ),
        Case::new(
            "inbox.delete_then_404",
            Misbehaviour::answer(|r, a, _| {
                // A deleted inbox that never goes away.
                if r.method == Method::GET && is_one_inbox(r) && a.status == 404 {
                    a.status = 200;
                    a.body = json!({"id": "x", "status": "deleting"});
                }
            }),
        ),
        Case::status("lease.empty_200", is_lease, 200, 201),
        Case::new(
            "lease.messages_201",
            Misbehaviour::answer(|r, a, _| {
                if is_lease(r) {
                    for m in results_mut(a) {
                        m["message_attributes"]
                            .as_object_mut()
                            .map(|o| o.remove("possible_duplicate_data"));
                    }
                }
            }),
        ),
        Case::new(
            "lease.default_limit",
            Misbehaviour::request(|r, _| {
                if is_lease(r) && r.body.get("lease_limit").is_none() {
                    r.body["lease_limit"] = json!(5);
                }
            }),
        ),
        Case::status("lease.limits_400", is_lease, 400, 200),
        Case::new(
            "lease.default_seconds",
            Misbehaviour::request(|r, _| {
                if is_lease(r) && r.body.get("lease_seconds").is_none() {
                    r.body["lease_seconds"] = json!(3600);
                }
            }),
        ),
        Case::new(
            "lease.leased_invisible",
            Misbehaviour::answer(|r, a, memory| {
                // Hands the first leased message out again with every later lease.
                if is_lease(r) {
                    let leaked = memory.value.clone();
                    let results = results_mut(a);
                    match (leaked.is_null(), results.first().cloned()) {
                        (true, Some(first)) => memory.value = first,
                        (false, _) => results.push(leaked),
                        _ => {}
                    }
                }
            }),
        ),
        Case::new(
            "lease.paused_drained_409",
            Misbehaviour::answer(|r, a, _| {
                if is_lease(r) && a.status == 409 {
                    a.status = 200;
                    a.body = json!({"lease_id": null, "leased_until": null, "results": [],
                                    "inbox_attributes": {"status": "paused", "paused_reason": "user"}});
                }
            }),
        ),
        Case::new(
            "ack.whole_lease",
            Misbehaviour::answer(|r, a, _| {
                if is(r, Method::POST, "/messages/ack") {
                    for m in results_mut(a) {
                        m["status"] = json!("leased");
                    }
                }
            }),
        ),
        Case::new(
            "ack.subset",
            Misbehaviour::request(|r, _| {
                // Acks the whole lease whatever message_ids say.
                if is(r, Method::POST, "/messages/ack") {
                    r.body.as_object_mut().map(|o| o.remove("message_ids"));
                }
            }),
        ),
        Case::status(
            "release.available_again",
            |r| is(r, Method::POST, "/messages/release"),
            201,
            200,
        ),
        Case::new(
            "lease.expiry",
            Misbehaviour::answer(|_, a, _| rename_error_code(a, "lease_expired", "invalid")),
        ),
        Case::new(
            "quarantine.at_5",
            Misbehaviour::answer(|r, a, _| {
                if is(r, Method::GET, "/messages") {
                    for m in results_mut(a) {
                        if m["status"] == "quarantined" {
                            m["status"] = json!("available");
                        }
                    }
                }
            }),
        ),
        Case::new(
            "messages.list_cursor",
            Misbehaviour::answer(|r, a, _| {
                if is(r, Method::GET, "/messages") {
                    a.body["next"] = Value::Null;
                }
            }),
        ),
        Case::new(
            "errors.bad_input",
            Misbehaviour::answer(|_, a, _| {
                if a.status == 400 {
                    a.body = json!({"message": "bad request"});
                }
            }),
        ),
        Case::status("errors.unknown_inbox_404", any, 404, 400),
        Case::status("errors.unauthenticated", any, 401, 403),
        Case::new(
            "headers.rate_limit",
            Misbehaviour::answer(|_, a, _| {
                a.headers.remove("x-ratelimit-remaining");
            }),
        ),
        Case::new(
            "isolation.second_identity",
            Misbehaviour::request(|r, memory| {
                // Every request acts as the first identity seen.
                if let Some(auth) = r.headers.get("authorization").and_then(|v| v.to_str().ok()) {
                    if memory.text.is_empty() {
                        memory.text = auth.to_owned();
                    }
                    let first = HeaderValue::from_str(&memory.text).expect("a header value");
                    r.headers.insert("authorization", first);
                }
            }),
        ),
        Case::new(
            "action_runs.round_trip",
            Misbehaviour::answer(|r, a, _| {
                if r.method == Method::GET && r.target.contains("/v2/action-runs/") {
                    a.body["data"]["status"] = json!("done");
                }
            }),
        ),
    ]
}

/// A lease of variant B.
fn is_lease_by_name(request: &Request) -> bool {
    is(request, Method::POST, "/messages/lease/")
}

/// The by-name variant's own documented behaviours.
pub(crate) fn by_name_cases() -> Vec<Case> {
    vec![
        Case::new(
            "lease.messages_201",
            Misbehaviour::answer(|r, a, _| {
                if is_lease_by_name(r) {
                    for m in results_mut(a) {
                        m.as_object_mut().map(|o| o.remove("lease_token"));
                    }
                }
            }),
        ),
        Case::new(
            "release.available_again",
            Misbehaviour::answer(|r, a, memory| {
                // The first lease_token handed out again with every later lease.
                if is_lease_by_name(r) {
                    for m in results_mut(a) {
                        if memory.value.is_null() {
                            memory.value = m["lease_token"].clone();
                        }
                        m["lease_token"] = memory.value.clone();
                    }
                }
            }),
        ),
        Case::new(
            "ack.subset",
            Misbehaviour::both(
                |r, memory| {
                    // An ack of some lease tokens acks every message of the last lease.
                    if is(r, Method::POST, "/messages/ack/") && !memory.value.is_null() {
                        r.body["lease_tokens"] = memory.value.clone();
                    }
                },
                |r, a, memory| {
                    if is_lease_by_name(r) && !results_mut(a).is_empty() {
                        memory.value = results_mut(a)
                            .iter()
                            .map(|m| m["lease_token"].clone())
                            .collect();
                    }
                },
            ),
        ),
        Case::new(
            "inbox.name_conflict_409",
            Misbehaviour::answer(|_, a, _| rename_error_code(a, "conflict", "exists")),
        ),
        Case::status("errors.bad_input", any, 422, 400),
        Case::new(
            "errors.unknown_inbox_404",
            Misbehaviour::answer(|_, a, _| rename_error_code(a, "not_found", "missing")),
        ),
        Case::new(
            "inbox.delete_then_404",
            Misbehaviour::answer(|_, a, _| rename_error_code(a, "not_found", "gone")),
        ),
    ]
}
