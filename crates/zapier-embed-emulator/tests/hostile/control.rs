//! The control API under attack: times that would overflow are refused (the clock stops short of
//! the end of time), server-side fetches (`notification_url`) cannot reach it, and a web page on
//! another site cannot drive it.

use std::time::Duration;

use super::*;

#[tokio::test]
async fn huge_control_times_are_refused_and_the_clock_stops_short_of_overflow() {
    let env = start().await;
    let token = env.token("time").await;

    let (s, body) = env
        .control(
            "/_emulator/faults",
            json!({"rate_limit_burst": 1, "retry_after_secs": u64::MAX}),
        )
        .await;
    assert_eq!((s.as_u16(), code(&body)), (400, "validation_error".into()));
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("retry_after_secs")
    );
    let (s, body) = env
        .control("/_emulator/faults", json!({"latency_ms": u64::MAX}))
        .await;
    assert_eq!((s.as_u16(), code(&body)), (400, "validation_error".into()));

    // Ten years at a time until the clock refuses to go further: every answer is 200 or 400,
    // never a crash, and the refusal names the field.
    let mut refused = None;
    for _ in 0..1000 {
        let (s, body) = env
            .control(
                "/_emulator/clock/advance",
                json!({"seconds": 10.0 * 365.0 * 86_400.0}),
            )
            .await;
        if s == 400 {
            refused = Some(body);
            break;
        }
        assert_eq!(s, 200, "{body}");
    }
    let refused = refused.expect("the clock has a ceiling");
    assert_eq!(refused["errors"][0]["source"]["pointer"], "/seconds");

    // At the ceiling: a fresh token is not already expired, and a 429 with the longest allowed
    // Retry-After does not break later requests.
    let fresh = env.token("time-late").await;
    let (s, body) = env.get(&format!("{A}/inboxes"), &fresh).await;
    assert_eq!(s, 200, "{body}");
    let (s, _) = env
        .control(
            "/_emulator/faults",
            json!({"route": "listTriggerInboxes", "rate_limit_burst": 1, "retry_after_secs": 86_400}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = env.get(&format!("{A}/inboxes"), &fresh).await;
    assert_eq!(s, 429);
    let (s, body) = env.get(&format!("{A}/inboxes"), &fresh).await;
    assert_eq!(s, 200, "{body}");
    // The older token expired with the move of an era, as it should.
    let (s, body) = env.get(&format!("{A}/inboxes"), &token).await;
    assert_eq!((s.as_u16(), code(&body)), (400, "unauthenticated".into()));
    // Within ten years of the ceiling (9999-01-01), where the last step was refused.
    let now = env.now_text().await;
    let year: u32 = now[..4].parse().unwrap();
    assert!((9989..9999).contains(&year), "{now}");
}

#[tokio::test]
async fn notification_urls_cannot_reach_the_control_api() {
    let env = start().await;
    let token = env.token("ssrf").await;
    let port = env.handle.addr().port();
    let (conn, _) = env.slack_connections(&token).await;
    for url in [
        format!("http://127.0.0.1:{port}/_emulator/reset"),
        format!("http://localhost:{port}/x/../_emulator/reset"),
        format!("http://[::1]:{port}/%5Femulator/faults"),
        format!("http://127.0.0.1:{port}/hooks/catch/acct/code/"),
    ] {
        let (s, body) = env
            .post(
                &format!("{A}/inboxes"),
                &token,
                json!({"name": "n", "notification_url": url, "subscription": {"app_key": "slack", "action_key": "channel_message", "connection_id": conn, "inputs": {"channel": "C1"}}}),
            )
            .await;
        assert_eq!(
            (s.as_u16(), body["errors"][0]["source"]["pointer"].as_str()),
            (400, Some("/notification_url")),
            "{url}: {body}"
        );
    }
    let id = env.active_inbox(&token, "guarded", "C1").await;
    let (s, body) = env
        .call(
            Method::PATCH,
            &format!("{A}/inboxes/{id}"),
            &token,
            Some(json!({"notification_url": format!("http://127.0.0.1:{port}/_emulator/reset")})),
        )
        .await;
    assert_eq!((s.as_u16(), code(&body)), (400, "validation_error".into()));

    // A request bearing the emulator's own fetch marker is refused by every control route.
    for path in ["/_emulator/reset", "/_emulator/faults", "/hooks/catch/a/b/"] {
        let resp = env
            .http
            .post(env.url(path))
            .header("x-zapier-embed-emulator-fetch", "notification")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{path}");
    }

    // Send time: a receiver that redirects to the reset is not followed.
    let target = format!("http://127.0.0.1:{port}/_emulator/reset");
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let target = target.clone();
            async move {
                (
                    StatusCode::TEMPORARY_REDIRECT,
                    [(reqwest::header::LOCATION, target)],
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let (s, _) = env
        .call(
            Method::PATCH,
            &format!("{A}/inboxes/{id}"),
            &token,
            Some(json!({"notification_url": hook})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(env.emit("C1", 1).await, 1);
    tokio::time::timeout(Duration::from_secs(10), async {
        while env.stats().await["notifications_failed"] != 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the notification is attempted");
    // Not reset: the inbox and its message are still there.
    assert_eq!(env.stats().await["messages_enqueued"], 1);
    let (s, _) = env.get(&format!("{A}/inboxes/{id}"), &token).await;
    assert_eq!(s, 200);
    server.abort();
}

#[tokio::test]
async fn a_web_page_on_another_site_cannot_drive_the_control_api() {
    let env = start().await;
    let token = env.token("csrf").await;
    env.active_inbox(&token, "kept", "C1").await;
    let own = env.handle.base_url();
    let send = |headers: Vec<(&'static str, String)>| {
        let mut req = env.http.post(env.url("/_emulator/reset"));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    for headers in [
        vec![("origin", "https://evil.example".to_owned())],
        vec![("origin", "null".to_owned())],
        vec![("sec-fetch-site", "cross-site".to_owned())],
    ] {
        let resp = send(headers.clone()).await.unwrap();
        assert_eq!(resp.status(), 403, "{headers:?}");
    }
    // Nothing was reset.
    let (s, _) = env.get(&format!("{A}/inboxes/"), &token).await;
    assert_eq!(s, 200);
    assert_eq!(env.stats().await["rate_limit_keys"].as_u64(), Some(2));
    // The emulator's own origin, and tools that send no Origin, still work.
    let resp = send(vec![("origin", own)]).await.unwrap();
    assert_eq!(resp.status(), 204);
    // A catch hook stays open to a web form on another site, as on Zapier.
    let resp = env
        .http
        .post(env.url("/hooks/catch/someone/0123456789ab/"))
        .header("origin", "https://forms.example")
        .form(&[("a", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}
