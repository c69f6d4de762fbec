//! Client-detectable mistakes are refused before any request, naming the field, without echoing
//! overlong values.

use super::*;

#[tokio::test]
async fn mistakes_are_refused_naming_the_field_with_nothing_sent() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on_any(Reply::hang());
        let by_name = against(&server)
            .variant(ApiVariant::ByName)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let sub = Subscription::new("slack", "channel_message");
        for name in [".", "..", "a\\b"] {
            let err = by_name
                .inboxes()
                .ensure(name, &sub, None)
                .await
                .expect_err("refused");
            assert!(matches!(err, Error::Validation { .. }), "{name}: {err}");
            assert!(err.to_string().contains("name"), "{err}");
            assert!(InboxName::new(name).is_err());
        }
        let refusals: Vec<(&str, Result<(), Error>)> = vec![
            ("app", by_name.triggers().list("").await.map(drop)),
            (
                "trigger",
                by_name
                    .triggers()
                    .input_fields("slack", " ", None)
                    .await
                    .map(drop),
            ),
            ("app", by_name.connections().list("").await.map(drop)),
            ("app", by_name.actions().list("", None).await.map(drop)),
            (
                "action",
                by_name
                    .actions()
                    .start("slack", "", None, serde_json::Map::new())
                    .await
                    .map(drop),
            ),
            ("app", by_name.connect_token("").await.map(drop)),
            (
                "subscription.app",
                by_name
                    .inboxes()
                    .ensure("orders", &Subscription::new("", "t"), None)
                    .await
                    .map(drop),
            ),
            (
                "subscription.trigger",
                by_name
                    .inboxes()
                    .ensure("orders", &Subscription::new("slack", ""), None)
                    .await
                    .map(drop),
            ),
            (
                "page_size",
                Box::pin(by_name.inboxes().list(InboxFilter::new().page_size(0)))
                    .next()
                    .await
                    .expect("an item")
                    .map(drop),
            ),
            (
                "timeout",
                by_name
                    .inboxes()
                    .wait_until_active(&InboxRef::name("orders").expect("name"), Duration::ZERO)
                    .await
                    .map(drop),
            ),
        ];
        for (field, result) in refusals {
            let err = result.expect_err(field);
            assert!(matches!(err, Error::Validation { .. }), "{field}: {err}");
            assert_eq!(err.field_errors()[0].field, field, "{err}");
        }
        assert!(server.requests().is_empty(), "{:?}", server.requests());
    })
    .await;
}

#[test]
fn zero_timeouts_and_limits_are_refused_by_the_builder() {
    let base = || Client::builder().access_token("t");
    for (setting, builder) in [
        ("connect_timeout", base().connect_timeout(Duration::ZERO)),
        ("attempt_timeout", base().attempt_timeout(Duration::ZERO)),
        ("total_timeout", base().total_timeout(Some(Duration::ZERO))),
        ("max_response_bytes", base().max_response_bytes(0)),
        ("max_error_body_bytes", base().max_error_body_bytes(0)),
        ("max_sse_event_bytes", base().max_sse_event_bytes(0)),
        ("max_pages", base().max_pages(0)),
    ] {
        let err = builder.build().expect_err(setting);
        assert!(err.to_string().contains(setting), "{err}");
    }
    assert!(base().total_timeout(None).build().is_ok());
}

#[test]
fn overlong_values_are_not_echoed_back() {
    let long_name = "n".repeat(10_000);
    let err = InboxName::new(long_name.clone()).expect_err("too long");
    assert!(err.to_string().len() < 200, "{err}");
    let long_url = format!("https://example.com/{}", "p".repeat(10_000));
    let err = Client::builder()
        .api_url(format!("{long_url}?q=1"))
        .access_token("t")
        .build()
        .expect_err("query refused");
    assert!(err.to_string().len() < 1024, "{err}");
}

#[tokio::test]
async fn a_server_echoing_kilobytes_is_reported_in_one_bounded_line() {
    bounded(async {
        let server = HostileServer::start().await;
        let long = "k".repeat(20_000);
        server.on(
            "GET",
            &inbox_path(),
            Reply::error(400, "validation_error", &format!("{long}: {long}")),
        );
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let err = client.inboxes().get(&by_id()).await.expect_err("400");
        assert!(matches!(err, Error::Validation { .. }), "{err}");
        let line = err.to_string();
        assert!(line.len() < 1024 && !line.contains('\n'), "{line}");
    })
    .await;
}
