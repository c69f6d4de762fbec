//! Every check can fail: a small proxy in front of the emulator alters one behaviour per case
//! (a wrong status, a missing header or field, a leaked message, a wrong envelope...) and the
//! matching check, run alone through the proxy, must fail. The same check passes through an
//! unaltering proxy, so the failure is the alteration's doing.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use zapier_embed_conformance::{Credentials, Filter, Outcome, Suite, Target, Variant, check_names};

/// The bound of one case (a hang fails the test instead of stalling CI).
const CASE_BOUND: Duration = Duration::from_secs(60);

/// One request as it goes through the proxy.
struct Request {
    method: Method,
    /// Path and query.
    target: String,
    headers: HeaderMap,
    body: Value,
}

/// One answer as it comes back.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

/// State a misbehaviour may keep between requests.
#[derive(Default)]
struct Memory {
    value: Value,
    text: String,
}

type Alter = fn(&mut Request, &mut Memory);
type AlterAnswer = fn(&Request, &mut Answer, &mut Memory);

/// One misbehaviour and the check that must catch it.
struct Case {
    check: &'static str,
    alter_request: Alter,
    alter_answer: AlterAnswer,
}

fn keep(_: &mut Request, _: &mut Memory) {}
fn keep_answer(_: &Request, _: &mut Answer, _: &mut Memory) {}

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

fn is_one_inbox(request: &Request) -> bool {
    let path = request.target.split('?').next().unwrap_or_default();
    path.rsplit_once("/inboxes/")
        .is_some_and(|(_, id)| !id.contains('/'))
}

fn results_mut(answer: &mut Answer) -> &mut Vec<Value> {
    if !answer.body["results"].is_array() {
        answer.body["results"] = json!([]);
    }
    answer.body["results"].as_array_mut().expect("an array")
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            check: "inbox.create_then_active",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if r.method == Method::POST && is_collection(r) && a.status == 201 {
                    a.status = 200;
                }
            },
        },
        Case {
            check: "inbox.name_conflict_409",
            alter_request: keep,
            alter_answer: |_, a, _| {
                if a.status == 409 {
                    a.status = 400;
                }
            },
        },
        Case {
            check: "inbox.ensure_200_201",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if r.method == Method::PUT && a.status == 200 {
                    a.status = 201;
                }
            },
        },
        Case {
            check: "inbox.list_by_name",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if r.method == Method::GET && is_collection(r) {
                    results_mut(a).clear();
                }
            },
        },
        Case {
            check: "inbox.pause_resume",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if is(r, Method::POST, "/pause") {
                    a.body["paused_reason"] = Value::Null;
                }
            },
        },
        Case {
            check: "inbox.delete_then_404",
            alter_request: keep,
            alter_answer: |r, a, _| {
                // A deleted inbox that never goes away.
                if r.method == Method::GET && is_one_inbox(r) && a.status == 404 {
                    a.status = 200;
                    a.body = json!({"id": "x", "status": "deleting"});
                }
            },
        },
        Case {
            check: "lease.empty_200",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if is(r, Method::POST, "/messages/lease") && a.status == 200 {
                    a.status = 201;
                }
            },
        },
        Case {
            check: "lease.messages_201",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if is(r, Method::POST, "/messages/lease") {
                    for m in results_mut(a) {
                        m["message_attributes"]
                            .as_object_mut()
                            .map(|o| o.remove("possible_duplicate_data"));
                    }
                }
            },
        },
        Case {
            check: "lease.default_limit",
            alter_request: |r, _| {
                if is(r, Method::POST, "/messages/lease") && r.body.get("lease_limit").is_none() {
                    r.body["lease_limit"] = json!(5);
                }
            },
            alter_answer: keep_answer,
        },
        Case {
            check: "lease.limits_400",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if is(r, Method::POST, "/messages/lease") && a.status == 400 {
                    a.status = 200;
                }
            },
        },
        Case {
            check: "lease.default_seconds",
            alter_request: |r, _| {
                if is(r, Method::POST, "/messages/lease") && r.body.get("lease_seconds").is_none() {
                    r.body["lease_seconds"] = json!(3600);
                }
            },
            alter_answer: keep_answer,
        },
        Case {
            check: "lease.leased_invisible",
            alter_request: keep,
            alter_answer: |r, a, memory| {
                // Hands the first leased message out again with every later lease.
                if is(r, Method::POST, "/messages/lease") {
                    let leaked = memory.value.clone();
                    let results = results_mut(a);
                    match (leaked.is_null(), results.first().cloned()) {
                        (true, Some(first)) => memory.value = first,
                        (false, _) => results.push(leaked),
                        _ => {}
                    }
                }
            },
        },
        Case {
            check: "lease.paused_drained_409",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if is(r, Method::POST, "/messages/lease") && a.status == 409 {
                    a.status = 200;
                    a.body = json!({"lease_id": null, "leased_until": null, "results": [],
                                    "inbox_attributes": {"status": "paused", "paused_reason": "user"}});
                }
            },
        },
        Case {
            check: "ack.whole_lease",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if is(r, Method::POST, "/messages/ack") {
                    for m in results_mut(a) {
                        m["status"] = json!("leased");
                    }
                }
            },
        },
        Case {
            check: "ack.subset",
            alter_request: |r, _| {
                // Acks the whole lease whatever message_ids say.
                if is(r, Method::POST, "/messages/ack") {
                    r.body.as_object_mut().map(|o| o.remove("message_ids"));
                }
            },
            alter_answer: keep_answer,
        },
        Case {
            check: "release.available_again",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if is(r, Method::POST, "/messages/release") && a.status == 201 {
                    a.status = 200;
                }
            },
        },
        Case {
            check: "lease.expiry",
            alter_request: keep,
            alter_answer: |_, a, _| {
                if a.body["errors"][0]["code"] == "lease_expired" {
                    a.body["errors"][0]["code"] = json!("invalid");
                }
            },
        },
        Case {
            check: "quarantine.at_5",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if is(r, Method::GET, "/messages") {
                    for m in results_mut(a) {
                        if m["status"] == "quarantined" {
                            m["status"] = json!("available");
                        }
                    }
                }
            },
        },
        Case {
            check: "messages.list_cursor",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if is(r, Method::GET, "/messages") {
                    a.body["next"] = Value::Null;
                }
            },
        },
        Case {
            check: "errors.bad_input",
            alter_request: keep,
            alter_answer: |_, a, _| {
                if a.status == 400 {
                    a.body = json!({"message": "bad request"});
                }
            },
        },
        Case {
            check: "errors.unknown_inbox_404",
            alter_request: keep,
            alter_answer: |_, a, _| {
                if a.status == 404 {
                    a.status = 400;
                }
            },
        },
        Case {
            check: "errors.unauthenticated",
            alter_request: keep,
            alter_answer: |_, a, _| {
                if a.status == 401 {
                    a.status = 403;
                }
            },
        },
        Case {
            check: "headers.rate_limit",
            alter_request: keep,
            alter_answer: |_, a, _| {
                a.headers.remove("x-ratelimit-remaining");
            },
        },
        Case {
            check: "isolation.second_identity",
            alter_request: |r, memory| {
                // Every request acts as the first identity seen.
                if let Some(auth) = r.headers.get("authorization").and_then(|v| v.to_str().ok()) {
                    if memory.text.is_empty() {
                        memory.text = auth.to_owned();
                    }
                    let first = HeaderValue::from_str(&memory.text).expect("a header value");
                    r.headers.insert("authorization", first);
                }
            },
            alter_answer: keep_answer,
        },
        Case {
            check: "action_runs.round_trip",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if r.method == Method::GET && r.target.contains("/v2/action-runs/") {
                    a.body["data"]["status"] = json!("done");
                }
            },
        },
    ]
}

struct Proxy {
    upstream: String,
    own: Mutex<String>,
    http: reqwest::Client,
    alter_request: Alter,
    alter_answer: AlterAnswer,
    memory: Mutex<Memory>,
}

async fn forward(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut request = Request {
        method,
        target,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let raw_body = body.to_vec();
    (proxy.alter_request)(&mut request, &mut proxy.memory.lock().expect("memory"));
    let mut upstream = proxy.http.request(
        request.method.clone(),
        format!("{}{}", proxy.upstream, request.target),
    );
    for (name, value) in &request.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    upstream = if request.body.is_null() {
        upstream.body(raw_body)
    } else {
        upstream.body(request.body.to_string())
    };
    let Ok(response) = upstream.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();
    // Links the emulator builds point at itself: point them at the proxy.
    let own = proxy.own.lock().expect("own").clone();
    let text = String::from_utf8_lossy(&bytes).replace(&proxy.upstream, &own);
    let mut answer = Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    };
    (proxy.alter_answer)(
        &request,
        &mut answer,
        &mut proxy.memory.lock().expect("memory"),
    );
    let mut out = if answer.body.is_null() {
        Response::new(axum::body::Body::from(text))
    } else {
        Response::new(axum::body::Body::from(answer.body.to_string()))
    };
    *out.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in &answer.headers {
        if name != "content-length" && name != "transfer-encoding" {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}

/// Serves a proxy to `upstream` with the given alterations; returns its base URL.
async fn proxy(upstream: &str, alter_request: Alter, alter_answer: AlterAnswer) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let own = format!("http://{}", listener.local_addr().expect("address"));
    let state = Arc::new(Proxy {
        upstream: upstream.to_owned(),
        own: Mutex::new(own.clone()),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        alter_request,
        alter_answer,
        memory: Mutex::new(Memory::default()),
    });
    let app = axum::Router::new().fallback(forward).with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    own
}

fn target(base_url: &str, variant: Variant) -> Target {
    let mut target = Target::new(base_url, Credentials::new("misbehaving-one", "secret-one"));
    target.second_credentials = Some(Credentials::new("misbehaving-two", "secret-two"));
    target.variant = variant;
    target.action_run = Some(common::slack_message());
    // Misbehaviours that make a state never arrive fail after this.
    target.settle_timeout = Duration::from_secs(3);
    target
}

async fn outcome_through(upstream: &str, variant: Variant, case: &Case, alter: bool) -> Outcome {
    let (request, answer): (Alter, AlterAnswer) = if alter {
        (case.alter_request, case.alter_answer)
    } else {
        (keep, keep_answer)
    };
    let base = proxy(upstream, request, answer).await;
    let suite = Suite::new(target(&base, variant));
    let filter = Filter {
        only: vec![case.check.to_owned()],
        skip: Vec::new(),
    };
    let report = tokio::time::timeout(CASE_BOUND, suite.run(&filter))
        .await
        .unwrap_or_else(|_| panic!("{} finishes in time", case.check));
    suite.cleanup().await;
    assert_eq!(
        report.checks.len(),
        1,
        "{}: {:?}",
        case.check,
        report.lines()
    );
    report.checks[0].outcome.clone()
}

/// Runs each case's check through an honest proxy (it must pass) and an altering one (it must
/// fail).
async fn each_case_fails(variant: Variant, cases: &[Case]) {
    let handle = common::start_emulator().await;
    let upstream = handle.base_url();
    for case in cases {
        let honest = outcome_through(&upstream, variant, case, false).await;
        assert_eq!(
            honest,
            Outcome::Pass,
            "{} through an honest proxy",
            case.check
        );
        let altered = outcome_through(&upstream, variant, case, true).await;
        assert!(
            matches!(altered, Outcome::Fail(_)),
            "{} should fail when its behaviour is altered, got {altered:?}",
            case.check
        );
    }
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_fails_when_its_behaviour_is_altered() {
    let cases = cases();
    // Every check has its case.
    for (name, _) in check_names(Variant::ById) {
        assert!(
            cases.iter().any(|c| c.check == name),
            "no misbehaviour for {name}"
        );
    }
    each_case_fails(Variant::ById, &cases).await;
}

fn rename_error_code(answer: &mut Answer, from: &str, to: &str) {
    if answer.body["errors"][0]["code"] == from {
        answer.body["errors"][0]["code"] = json!(to);
    }
}

/// The by-name variant's own documented behaviours.
fn by_name_cases() -> Vec<Case> {
    vec![
        Case {
            check: "lease.messages_201",
            alter_request: keep,
            alter_answer: |r, a, _| {
                if is(r, Method::POST, "/messages/lease/") {
                    for m in results_mut(a) {
                        m.as_object_mut().map(|o| o.remove("lease_token"));
                    }
                }
            },
        },
        Case {
            check: "release.available_again",
            alter_request: keep,
            alter_answer: |r, a, memory| {
                // The first lease_token handed out again with every later lease.
                if is(r, Method::POST, "/messages/lease/") {
                    for m in results_mut(a) {
                        if memory.value.is_null() {
                            memory.value = m["lease_token"].clone();
                        }
                        m["lease_token"] = memory.value.clone();
                    }
                }
            },
        },
        Case {
            check: "ack.subset",
            alter_request: |r, memory| {
                // An ack of some lease tokens acks every message of the last lease.
                if is(r, Method::POST, "/messages/ack/") && !memory.value.is_null() {
                    r.body["lease_tokens"] = memory.value.clone();
                }
            },
            alter_answer: |r, a, memory| {
                if is(r, Method::POST, "/messages/lease/") && !results_mut(a).is_empty() {
                    memory.value = results_mut(a)
                        .iter()
                        .map(|m| m["lease_token"].clone())
                        .collect();
                }
            },
        },
        Case {
            check: "inbox.name_conflict_409",
            alter_request: keep,
            alter_answer: |_, a, _| rename_error_code(a, "conflict", "exists"),
        },
        Case {
            check: "errors.bad_input",
            alter_request: keep,
            alter_answer: |_, a, _| {
                if a.status == 422 {
                    a.status = 400;
                }
            },
        },
        Case {
            check: "errors.unknown_inbox_404",
            alter_request: keep,
            alter_answer: |_, a, _| rename_error_code(a, "not_found", "missing"),
        },
        Case {
            check: "inbox.delete_then_404",
            alter_request: keep,
            alter_answer: |_, a, _| rename_error_code(a, "not_found", "gone"),
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_name_checks_fail_when_their_behaviour_is_altered() {
    each_case_fails(Variant::ByName, &by_name_cases()).await;
}

/// The last bearer token the echoing proxy saw.
static ECHOED: Mutex<String> = Mutex::new(String::new());

/// A server that echoes the caller's token in its error never gets it into a failure reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echoed_token_never_reaches_a_reason() {
    let handle = common::start_emulator().await;
    let base = proxy(&handle.base_url(), keep, |r, a, _| {
        if r.method == Method::GET && is_one_inbox(r) {
            let auth = r.headers.get("authorization").and_then(|v| v.to_str().ok());
            let auth = auth.unwrap_or_default().to_owned();
            *ECHOED.lock().expect("echoed") = auth.trim_start_matches("Bearer ").to_owned();
            a.status = 400;
            a.body = json!({"errors": [{"code": "echo", "detail": auth}]});
        }
    })
    .await;
    let suite = Suite::new(target(&base, Variant::ById));
    let filter = Filter {
        only: vec!["inbox.create_then_active".into()],
        skip: Vec::new(),
    };
    let report = tokio::time::timeout(CASE_BOUND, suite.run(&filter))
        .await
        .expect("finishes in time");
    suite.cleanup().await;
    let token = ECHOED.lock().expect("echoed").clone();
    assert!(token.len() > 8, "the proxy saw a token");
    let Some(Outcome::Fail(reason)) = report.outcome("inbox.create_then_active") else {
        panic!("the check fails: {:?}", report.lines());
    };
    assert!(reason.contains("<redacted>"), "{reason}");
    assert!(!reason.contains(&token), "the token leaked: {reason}");
    handle.shutdown().await;
}
