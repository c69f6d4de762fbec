//! One account, one tenant: catch hooks belong to one account, partner users are keyed by
//! `(tenant, subject)` without ambiguity, bogus tokens do not grow per-identity state, and the
//! fidelity rules on payloads (objects only; catch hooks split arrays and wrap scalars).

use std::time::Duration;

use super::*;

#[tokio::test]
async fn catch_hooks_belong_to_one_account() {
    let env = start().await;
    let alice = env.token("hook-alice").await;
    let mallory = env.token("hook-mallory").await;
    let a = hook_inbox(&env, &alice, "a", "abc123def456").await;
    let m = hook_inbox(&env, &mallory, "m", "abc123def456").await;

    let (s, caught) = env
        .control(
            &format!("/hooks/catch/{}/abc123def456/", Env::account(&alice)),
            json!({"secret": "alice's"}),
        )
        .await;
    assert_eq!((s.as_u16(), caught["delivered"].as_u64()), (200, Some(1)));
    assert_eq!(
        lease_payloads(&env, &alice, &a).await,
        [json!({"secret": "alice's"})]
    );
    assert!(lease_payloads(&env, &mallory, &m).await.is_empty());

    // The account-less form of the URL is gone: it would be one namespace for every tenant.
    let (s, _, body) = raw(
        &env,
        Method::POST,
        "/hooks/catch/abc123def456/",
        None,
        b"{}".to_vec(),
    )
    .await;
    assert_eq!((s.as_u16(), code(&body)), (404, "not_found".into()));
    // An account that is not one delivers nothing and reveals nothing.
    let (s, caught) = env
        .control("/hooks/catch/nobody/abc123def456/", json!({"x": 1}))
        .await;
    assert_eq!((s.as_u16(), caught["delivered"].as_u64()), (200, Some(0)));
}

#[tokio::test]
async fn partner_users_are_keyed_by_tenant_and_subject_unambiguously() {
    let env = start().await;
    let first = partner_token(&env, "acme:eu", "alice").await;
    let second = partner_token(&env, "acme", "eu:alice").await;
    assert_ne!(Env::account(&first), Env::account(&second));
    env.active_inbox(&first, "mine", "C1").await;
    let (s, list) = env.get(&format!("{A}/inboxes"), &second).await;
    assert_eq!((s.as_u16(), list["count"].as_u64()), (200, Some(0)));
    // The same pair again is the same user.
    let again = partner_token(&env, "acme:eu", "alice").await;
    assert_eq!(Env::account(&first), Env::account(&again));
}

#[tokio::test]
async fn bogus_tokens_do_not_grow_the_rate_limiter() {
    let env = start_with(
        zapier_embed_emulator::Emulator::builder().rate_limit(1_000_000, Duration::from_secs(60)),
    )
    .await;
    let token = env.token("flood").await;
    let (s, _) = env.get(&format!("{A}/inboxes"), &token).await;
    assert_eq!(s, 200);
    let before = env.stats().await["rate_limit_keys"].as_u64().unwrap();
    // The issued token, and the shared key of the unauthenticated token request.
    assert_eq!(before, 2);
    for i in 0..300 {
        let (s, _) = env
            .get(&format!("{A}/inboxes"), &format!("bogus-{i}"))
            .await;
        assert_eq!(s, 401);
    }
    let after = env.stats().await["rate_limit_keys"].as_u64().unwrap();
    assert_eq!(
        after, 2,
        "every unauthenticated request shares one identity"
    );
}

#[tokio::test]
async fn payloads_are_objects_and_catch_hooks_split_arrays() {
    let env = start().await;
    for (payload, pointer) in [
        (json!([{"ok": 1}, 7]), "/payload/1"),
        (json!("text"), "/payload"),
        (json!([[1]]), "/payload/0"),
    ] {
        let (s, body) = env
            .control(
                "/_emulator/events",
                json!({"app": "slack", "action": "channel_message", "payload": payload}),
            )
            .await;
        assert_eq!(
            (s.as_u16(), body["errors"][0]["source"]["pointer"].as_str()),
            (400, Some(pointer)),
            "{body}"
        );
    }
    let (_, body) = env
        .control(
            "/_emulator/events",
            json!({"app": "slack", "action": "channel_message", "payload": [{}, 3]}),
        )
        .await;
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("payload[1]"),
        "{body}"
    );

    let token = env.token("split").await;
    let inbox = hook_inbox(&env, &token, "split", "0123456789ab").await;
    let hook = format!("/hooks/catch/{}/0123456789ab/", Env::account(&token));
    let (_, caught) = env
        .control(&hook, json!([{"n": 1}, {"n": 2}, "three", 4]))
        .await;
    assert_eq!(caught["delivered"], 1);
    let (_, _, _) = raw(&env, Method::POST, &hook, None, b"42".to_vec()).await;
    assert_eq!(
        lease_payloads(&env, &token, &inbox).await,
        [
            json!({"n": 1}),
            json!({"n": 2}),
            json!({"raw": "three"}),
            json!({"raw": "4"}),
            json!({"raw": "42"}),
        ]
    );
}
