//! Every check can fail: a small proxy in front of the emulator alters one behaviour per case
//! (a wrong status, a missing header or field, a leaked message, a wrong envelope...) and the
//! matching check, run alone through the proxy, must fail. The same check passes through an
//! unaltering proxy, so the failure is the alteration's doing.

mod cases;
#[path = "../common/mod.rs"]
mod common;
mod proxy;

use std::sync::Mutex;
use std::time::Duration;

use axum::http::Method;
use serde_json::json;
use zapier_embed_conformance::{Credentials, Filter, Outcome, Suite, Target, Variant, check_names};

use crate::cases::{Case, by_name_cases, cases, is_one_inbox};
use crate::proxy::{Misbehaviour, proxy};

/// The bound of one case (a hang fails the test instead of stalling CI).
const CASE_BOUND: Duration = Duration::from_secs(60);

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
    let misbehaviour = if alter {
        case.misbehaviour
    } else {
        Misbehaviour::HONEST
    };
    let base = proxy(upstream, misbehaviour).await;
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
    let base = proxy(
        &handle.base_url(),
        Misbehaviour::answer(|r, a, _| {
            if r.method == Method::GET && is_one_inbox(r) {
                let auth = r.headers.get("authorization").and_then(|v| v.to_str().ok());
                let auth = auth.unwrap_or_default().to_owned();
                *ECHOED.lock().expect("echoed") = auth.trim_start_matches("Bearer ").to_owned();
                a.status = 400;
                a.body = json!({"errors": [{"code": "echo", "detail": auth}]});
            }
        }),
    )
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
