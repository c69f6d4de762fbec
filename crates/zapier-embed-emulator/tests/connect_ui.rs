//! The Connect UI page over HTTP: what it shows, that only the decision changes anything, that
//! the connect token alone decides the user, how each flow reports back (popup message target,
//! redirect parameters, JSON for scripts), and that input is escaped. The same page driven by a
//! real browser is tested in the workspace's `tests` crate (`connect_browser.rs`).

// Tests fail by panicking: `unwrap`, `expect` and `panic!` are their assertions (the crate
// denies them in library code, see `[workspace.lints.clippy]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::header::{ACCEPT, CONTENT_SECURITY_POLICY, LOCATION, REFERER};
use reqwest::redirect::Policy;
use serde_json::Value;
use support::*;

const HTML: &str = "text/html,application/xhtml+xml";
const PARTNER: &str = "http://127.0.0.1:4000";

/// A browser-like client that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn slack_token(env: &Env, access: &str) -> String {
    let (s, body) = env
        .connect_token(access, "https://connect.zapier.com/to/slack")
        .await;
    assert_eq!(s, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn connection_ids(env: &Env, access: &str) -> Vec<String> {
    let (_, list) = env.get("/v2/authentications?app=slack", access).await;
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The page of `path` as a browser opened by `referer` would load it: (status, headers, body).
async fn page(
    env: &Env,
    path: &str,
    referer: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = browser().get(env.url(path)).header(ACCEPT, HTML);
    if let Some(r) = referer {
        req = req.header(REFERER, r);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

/// Submits the page's form: (status, headers, body).
async fn decide(
    env: &Env,
    accept: &str,
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, String) {
    let resp = browser()
        .post(env.url("/to/slack"))
        .header(ACCEPT, accept)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

/// The JSON a result page hands its script.
fn report(body: &str) -> Value {
    let start = body.find(r#"id="report">"#).expect("report element") + 12;
    let end = start + body[start..].find("</script>").unwrap();
    serde_json::from_str(&body[start..end]).unwrap()
}

#[tokio::test]
async fn the_page_shows_app_and_account_and_changes_nothing() {
    let env = start().await;
    let access = env.token("page").await;
    let before = connection_ids(&env, &access).await;
    let ct = slack_token(&env, &access).await;
    for _ in 0..2 {
        let (s, headers, body) = page(&env, &format!("/to/slack?token={ct}"), Some(PARTNER)).await;
        assert_eq!(s, 200, "{body}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["cache-control"], "no-store");
        assert!(body.contains(r#"<span id="app">Slack</span>"#), "{body}");
        assert!(body.contains(r#"id="account""#));
        assert!(
            body.contains("Slack connection #3"),
            "two seeded before it: {body}"
        );
        assert!(body.contains(&format!(r#"name="token" value="{ct}""#)));
        assert!(body.contains(&format!(r#"name="opener_origin" value="{PARTNER}""#)));
        assert!(body.contains(r#"id="authorize""#) && body.contains(r#"id="cancel""#));
    }
    assert_eq!(
        connection_ids(&env, &access).await,
        before,
        "a GET changes nothing"
    );
}

#[tokio::test]
async fn the_token_decides_the_user_and_is_used_once() {
    let env = start().await;
    let alice = env.token("tenant-a").await;
    let bob = env.token("tenant-b").await;
    let bob_before = connection_ids(&env, &bob).await;
    let ct = slack_token(&env, &alice).await;

    let json = "application/json";
    let form = [("token", ct.as_str()), ("decision", "authorize")];
    let (s, _, body) = decide(&env, json, &form).await;
    assert_eq!(s, 200, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(created["type"], "authenticationSuccess");
    assert_eq!(created["authentication"]["is_expired"], false);
    let id = created["authId"].as_str().unwrap();
    assert!(connection_ids(&env, &alice).await.iter().any(|c| c == id));
    assert_eq!(connection_ids(&env, &bob).await, bob_before);

    let (s, _, body) = decide(&env, json, &form).await;
    assert_eq!(s, 400);
    let err: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err["error"], "invalid_request");
    assert!(
        err["error_description"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    let (s, _, body) = page(&env, &format!("/to/slack?token={ct}"), None).await;
    assert_eq!(s, 400);
    assert!(body.contains("invalid or was already used"), "{body}");
}

#[tokio::test]
async fn bad_expired_and_other_app_tokens_get_a_clear_page() {
    let env = start().await;
    let access = env.token("refused").await;
    let ct = slack_token(&env, &access).await;
    let (s, _, body) = page(&env, "/to/slack", None).await;
    assert_eq!(s, 400);
    assert!(body.contains("connect token is missing"), "{body}");
    let (s, _, body) = page(&env, "/to/slack?token=ct_nope", None).await;
    assert_eq!(s, 400);
    assert!(body.contains("invalid or was already used"), "{body}");
    let (s, _, body) = page(&env, &format!("/to/webhook?token={ct}"), None).await;
    assert_eq!(s, 400);
    assert!(body.contains("issued for `slack`"), "{body}");
    env.advance(361.0).await;
    let (s, _, body) = page(&env, &format!("/to/slack?token={ct}"), None).await;
    assert_eq!(s, 400);
    assert!(body.contains("has expired"), "{body}");
    let (s, _, body) = decide(&env, HTML, &[("token", &ct), ("decision", "authorize")]).await;
    assert_eq!(s, 400);
    assert!(body.contains("has expired"), "{body}");
}

#[tokio::test]
async fn popup_results_are_posted_to_the_opener_origin_only() {
    let env = start().await;
    let access = env.token("popup").await;

    let ct = slack_token(&env, &access).await;
    let (s, _, body) = decide(
        &env,
        HTML,
        &[
            ("token", &ct),
            ("decision", "authorize"),
            ("opener_origin", PARTNER),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let sent = report(&body);
    assert_eq!(sent["target"], PARTNER);
    assert_eq!(sent["message"]["type"], "authenticationSuccess");
    let id = sent["message"]["authId"].as_str().unwrap();
    assert!(connection_ids(&env, &access).await.iter().any(|c| c == id));
    assert!(body.contains("postMessage(report.message, report.target)"));
    assert!(!body.contains("\"*\"") && !body.contains("'*'"));

    // Not an exact origin, or none at all: nothing is posted anywhere.
    for opener in ["http://127.0.0.1:4000/path", "*", ""] {
        let ct = slack_token(&env, &access).await;
        let (_, _, body) = decide(
            &env,
            HTML,
            &[
                ("token", &ct),
                ("decision", "authorize"),
                ("opener_origin", opener),
            ],
        )
        .await;
        assert_eq!(report(&body)["target"], Value::Null, "{opener}");
    }

    // Cancel: the documented error message, and the token is used up.
    let ct = slack_token(&env, &access).await;
    let before = connection_ids(&env, &access).await;
    let (s, _, body) = decide(
        &env,
        HTML,
        &[
            ("token", &ct),
            ("decision", "cancel"),
            ("opener_origin", PARTNER),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let sent = report(&body);
    assert_eq!(
        (
            sent["target"].as_str(),
            sent["message"]["type"].as_str(),
            sent["message"]["error"].as_str()
        ),
        (
            Some(PARTNER),
            Some("authenticationError"),
            Some("access_denied")
        )
    );
    assert_eq!(connection_ids(&env, &access).await, before);
    let (s, _, _) = decide(&env, HTML, &[("token", &ct), ("decision", "authorize")]).await;
    assert_eq!(s, 400, "a cancelled token cannot authorize later");

    // A refused page opened by a partner reports the error to it.
    let (s, _, body) = page(&env, "/to/slack?token=ct_nope", Some(PARTNER)).await;
    assert_eq!(s, 400);
    let sent = report(&body);
    assert_eq!(sent["target"], PARTNER);
    assert_eq!(sent["message"]["error"], "invalid_request");
}

#[tokio::test]
async fn redirect_flow_returns_the_documented_parameters() {
    let env = start().await;
    let access = env.token("redirect").await;
    let cb = "https://partner.example/callback?keep=1";

    let ct = slack_token(&env, &access).await;
    let (s, headers, body) = page(
        &env,
        &format!("/to/slack?token={ct}&redirect_uri=https%3A%2F%2Fpartner.example%2Fcallback%3Fkeep%3D1&state=s1"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert!(
        headers[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("form-action 'self' https://partner.example;")
    );
    assert!(body.contains(r#"name="state" value="s1""#));
    let (s, headers, _) = decide(
        &env,
        HTML,
        &[
            ("token", &ct),
            ("decision", "authorize"),
            ("redirect_uri", cb),
            ("state", "s1"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let location = reqwest::Url::parse(headers[LOCATION].to_str().unwrap()).unwrap();
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    let id = &pairs
        .iter()
        .find(|(k, _)| k == "authentication_id")
        .unwrap()
        .1;
    assert!(connection_ids(&env, &access).await.contains(id));
    assert_eq!(location.path(), "/callback");
    for expected in [("keep", "1"), ("service", "SlackCLIAPI"), ("state", "s1")] {
        assert!(
            pairs.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{location}"
        );
    }

    // Errors go back too: a bad token from the page, a cancel from the form.
    let (s, headers, _) = page(
        &env,
        "/to/slack?token=ct_nope&redirect_uri=https%3A%2F%2Fpartner.example%2Fcb&state=s2",
        None,
    )
    .await;
    assert_eq!(s, 303);
    let location = headers[LOCATION].to_str().unwrap();
    assert!(
        location.starts_with("https://partner.example/cb?error=invalid_request&error_description="),
        "{location}"
    );
    assert!(location.ends_with("&state=s2"), "{location}");
    let ct = slack_token(&env, &access).await;
    let (s, headers, _) = decide(
        &env,
        HTML,
        &[("token", &ct), ("decision", "cancel"), ("redirect_uri", cb)],
    )
    .await;
    assert_eq!(s, 303);
    assert!(
        headers[LOCATION]
            .to_str()
            .unwrap()
            .contains("error=access_denied")
    );
}

#[tokio::test]
async fn unusable_redirect_uris_get_a_page_and_are_never_followed() {
    let env = start().await;
    let access = env.token("bad-redirect").await;
    let ct = slack_token(&env, &access).await;
    for bad in [
        "javascript%3Aalert(1)",
        "%2Fcallback",
        "https%3A%2F%2Fu%3Ap%40partner.example%2Fcb",
        "https%3A%2F%2Fpartner.example%2Fcb%23x",
    ] {
        let (s, headers, body) = page(
            &env,
            &format!("/to/slack?token={ct}&redirect_uri={bad}"),
            None,
        )
        .await;
        assert_eq!(s, 400, "{bad}");
        assert!(headers.get(LOCATION).is_none(), "{bad}");
        assert!(body.contains("redirect_uri"), "{body}");
    }
}

#[tokio::test]
async fn everything_rendered_from_input_is_escaped() {
    let env = start().await;
    let access = env.token("escape").await;
    let (s, _, body) = page(&env, "/to/%3Cscript%3Ealert(1)%3C%2Fscript%3E", None).await;
    assert_eq!(s, 400);
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{body}"
    );

    let ct = slack_token(&env, &access).await;
    let hostile = r#""><img src=x onerror=alert(1)></script>"#;
    let query = reqwest::Url::parse_with_params(
        &env.url("/to/slack"),
        &[
            ("token", ct.as_str()),
            ("state", hostile),
            ("redirect_uri", "https://partner.example/cb"),
        ],
    )
    .unwrap();
    let (s, _, body) = page(&env, &format!("/to/slack?{}", query.query().unwrap()), None).await;
    assert_eq!(s, 200);
    assert!(!body.contains("<img"), "{body}");
    assert!(body.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;"));

    // In a result page's script data, a hostile error text cannot close the element.
    let (_, _, body) = decide(
        &env,
        HTML,
        &[
            ("token", "x"),
            ("decision", hostile),
            ("opener_origin", PARTNER),
        ],
    )
    .await;
    assert!(!body.contains("<img"), "{body}");
    assert_eq!(
        body.matches("</script>").count(),
        2,
        "only the page's own: {body}"
    );
    assert_eq!(
        report(&body)["message"]["error_description"]
            .as_str()
            .unwrap(),
        format!("decision must be `authorize` or `cancel`, not `{hostile}`.")
    );
}

#[tokio::test]
async fn reconnect_reauthorizes_the_users_own_connection_only() {
    let env = start().await;
    let alice = env.token("reconnect-a").await;
    let bob = env.token("reconnect-b").await;
    let (_, alice_expired) = env.slack_connections(&alice).await;
    let (_, bob_expired) = env.slack_connections(&bob).await;
    let before = connection_ids(&env, &alice).await;
    let ct = slack_token(&env, &alice).await;

    let (s, _, body) = page(
        &env,
        &format!("/to/slack?token={ct}&reconnect_id={alice_expired}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert!(body.contains("This re-authorizes the connection"), "{body}");
    assert!(body.contains(&format!(r#"name="reconnect_id" value="{alice_expired}""#)));

    // Another tenant's connection: refused, and the token is still usable.
    let (s, _, body) = page(
        &env,
        &format!("/to/slack?token={ct}&reconnect_id={bob_expired}"),
        None,
    )
    .await;
    assert_eq!(s, 400);
    assert!(body.contains("reconnect_id does not name"), "{body}");
    let json = "application/json";
    let (s, _, _) = decide(
        &env,
        json,
        &[
            ("token", &ct),
            ("decision", "authorize"),
            ("reconnect_id", &bob_expired),
        ],
    )
    .await;
    assert_eq!(s, 400);

    let (s, _, body) = decide(
        &env,
        json,
        &[
            ("token", &ct),
            ("decision", "authorize"),
            ("reconnect_id", &alice_expired),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(result["authId"], alice_expired.as_str());
    assert_eq!(
        connection_ids(&env, &alice).await,
        before,
        "same connection, none added"
    );
    let (_, list) = env.get("/v2/authentications?app=slack", &alice).await;
    let validity = |list: &Value, id: &str| {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["is_expired"]
            .clone()
    };
    assert_eq!(validity(&list, &alice_expired), false);
    let (_, list) = env.get("/v2/authentications?app=slack", &bob).await;
    assert_eq!(
        validity(&list, &bob_expired),
        true,
        "the other tenant's stays expired"
    );
}
