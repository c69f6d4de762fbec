//! Action Run answers with typed errors, and undocumented error bodies that keep their status.

use super::*;

#[tokio::test]
async fn a_failed_action_run_has_typed_errors() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/actions");
            then.status(200).json_body(json!({"data": [
                {"id": "core:1", "key": "send_channel_message", "app": "a", "action_type": "NEW_KIND",
                 "title": "t", "description": "", "is_instant": false, "type": "action"}]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/action-runs");
            then.status(200)
                .json_body(json!({"data": {"type": "run", "id": "run-9"}}));
        })
        .await;
    let polls = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/action-runs/run-9");
            then.status(200)
                .json_body(json!({"data": {"type": "run", "status": "waiting", "errors": []}}))
                .up_to_n_times(1);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/action-runs/run-9");
            then.status(200).json_body(json!({"data": {"type": "run", "status": "error", "errors": [
                {"code": "user", "title": "Bad channel", "detail": "channel_not_found", "meta": null}]}}));
        })
        .await;
    let client = client(&server, ApiVariant::ById);
    let actions = client.actions().list("a", None).await.expect("list");
    assert_eq!(
        actions[0].action_type,
        zapier_embed::actions::ActionType::Other("NEW_KIND".into())
    );
    let err = client
        .actions()
        .run("a", "send_channel_message", None, serde_json::Map::new())
        .await
        .expect_err("run error");
    match &err {
        Error::ActionRunFailed { errors, .. } => {
            assert_eq!(errors[0].code, RunErrorCode::User);
            assert_eq!(errors[0].title.as_deref(), Some("Bad channel"));
        }
        other => panic!("{other}"),
    }
    polls.assert_calls_async(1).await;
}

#[tokio::test]
async fn undocumented_error_bodies_keep_their_status() {
    // Bodies that do not match the documented error envelope: a Django REST Framework 404, an
    // empty 401 and an HTML 429 from a gateway. Each keeps its status and meaning.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_ID}"));
            then.status(404).json_body(json!({"detail": "Not found."}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{A}/inboxes/{INBOX_NAME}/"));
            then.status(401);
        })
        .await;
    let limited = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{A}/inboxes/{INBOX_ID}/messages/lease"));
            then.status(429)
                .header("Retry-After", "90")
                .body("<html>slow down</html>");
        })
        .await;
    let err = client(&server, ApiVariant::ById)
        .inboxes()
        .get(&by_id())
        .await
        .expect_err("404");
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(err.detail(), Some("Not found."));
    let err = client(&server, ApiVariant::ByName)
        .inboxes()
        .get(&by_name())
        .await
        .expect_err("401");
    assert!(matches!(err, Error::AuthenticationFailed { .. }), "{err}");
    let err = client(&server, ApiVariant::ById)
        .messages(by_id())
        .lease(LeaseOptions::default())
        .await
        .expect_err("429");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(90)), "{err}");
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    limited.assert_calls_async(1).await;
}
