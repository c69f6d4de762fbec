//! Every read is bounded: bodies, error bodies, events and listings end at their limits with a
//! typed error.

use super::*;

#[tokio::test]
async fn an_endless_success_body_is_a_typed_limit_error() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on("GET", &inbox_path(), Reply::endless_body(200));
        server.on(
            "POST",
            &format!("{A}/inboxes/{INBOX_ID}/messages/lease"),
            Reply::endless_body(201),
        );
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .max_response_bytes(256 * 1024)
            .build()
            .expect("client");
        let err = client.inboxes().get(&by_id()).await.expect_err("bounded");
        assert!(
            matches!(
                err,
                Error::LimitExceeded {
                    limit: "max_response_bytes",
                    max: 262_144,
                    ..
                }
            ),
            "{err}"
        );
        let err = client
            .messages(by_id())
            .lease(LeaseOptions::default())
            .await
            .expect_err("bounded");
        assert!(matches!(err, Error::LimitExceeded { .. }), "{err}");
        // The default limit holds too.
        let default = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let err = default.inboxes().get(&by_id()).await.expect_err("bounded");
        assert!(
            matches!(
                err,
                Error::LimitExceeded {
                    limit: "max_response_bytes",
                    ..
                }
            ),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_endless_error_body_keeps_its_status() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on("GET", &inbox_path(), Reply::endless_body(500));
        server.on("POST", "/oauth/token", Reply::endless_body(400));
        let client = against(&server)
            .client_credentials("id", CLIENT_SECRET)
            .max_error_body_bytes(1024)
            .build()
            .expect("client");
        let err = client.access_token().await.expect_err("400");
        assert_eq!(err.status(), Some(400), "{err}");
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let err = client.inboxes().get(&by_id()).await.expect_err("500");
        assert_eq!(err.status(), Some(500), "{err}");
        assert!(err.to_string().len() < 2048, "one bounded line");
    })
    .await;
}

#[tokio::test]
async fn an_event_that_never_ends_is_a_typed_limit_error() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on(
            "GET",
            &format!("{A}/inboxes/{INBOX_ID}/events"),
            Reply::endless_sse_event(),
        );
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .max_sse_event_bytes(8 * 1024)
            .build()
            .expect("client");
        let mut events = Box::pin(client.messages(by_id()).events());
        let first = events.next().await.expect("an item");
        assert!(
            matches!(
                first,
                Err(Error::LimitExceeded {
                    limit: "max_sse_event_bytes",
                    max: 8192,
                    ..
                })
            ),
            "{first:?}"
        );
        assert!(events.next().await.is_none(), "the stream ends");
    })
    .await;
}

#[tokio::test]
async fn a_listing_of_endless_empty_pages_ends() {
    bounded(async {
        let server = HostileServer::start().await;
        let path = format!("{A}/inboxes/{INBOX_ID}/messages");
        server.on("GET", &path, Reply::endless_empty_cursor_pages());
        server.on(
            "GET",
            &format!("{A}/inboxes"),
            Reply::endless_empty_cursor_pages(),
        );
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let messages: Vec<_> = client.messages(by_id()).list().collect().await;
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(server.requests_to(&path).len(), 1);
        let inboxes: Vec<_> = client.inboxes().list(InboxFilter::new()).collect().await;
        assert!(inboxes.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_listing_of_endless_full_pages_stops_at_max_pages() {
    bounded(async {
        let server = HostileServer::start().await;
        let path = format!("{A}/inboxes/{INBOX_ID}/messages");
        let message = json!({"id": common::MESSAGE_1, "created_at": "2026-03-12T16:59:47.185Z",
            "status": "available", "payload": {},
            "message_attributes": {"lease_count": 0, "error_message": null,
                                   "possible_duplicate_data": false}});
        server.on("GET", &path, Reply::endless_cursor_pages(json!([message])));
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .max_pages(5)
            .build()
            .expect("client");
        let items: Vec<_> = client.messages(by_id()).list().collect().await;
        assert_eq!(items.len(), 6, "five pages of one message, then the error");
        assert!(
            matches!(
                items.last(),
                Some(Err(Error::LimitExceeded {
                    limit: "max_pages",
                    max: 5,
                    ..
                }))
            ),
            "{:?}",
            items.last()
        );
        assert_eq!(server.requests_to(&path).len(), 5);
        // Offset paging (inboxes) too.
        let inboxes_path = format!("{A}/inboxes");
        server.on(
            "GET",
            &inboxes_path,
            Reply::endless_cursor_pages(json!([inbox_json("active")])),
        );
        let items: Vec<_> = client.inboxes().list(InboxFilter::new()).collect().await;
        assert!(
            matches!(items.last(), Some(Err(Error::LimitExceeded { .. }))),
            "{:?}",
            items.last()
        );
        assert_eq!(server.requests_to(&inboxes_path).len(), 5);
    })
    .await;
}

#[tokio::test]
async fn a_trigger_list_reads_an_empty_description_as_none() {
    bounded(async {
        let server = HostileServer::start().await;
        server.on(
            "GET",
            &format!("{A}/triggers/"),
            Reply::json(
                200,
                json!({"results": [
                    {"key": "channel_message", "title": "New Message", "description": "",
                     "app_key": "SlackCLIAPI"},
                    {"key": "new_mention", "title": "New Mention", "description": "When mentioned"},
                ]}),
            ),
        );
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        let triggers = client.triggers().list("slack").await.expect("listed");
        let read: Vec<_> = triggers
            .iter()
            .map(|t| {
                (
                    t.key.as_str(),
                    t.description.as_deref(),
                    t.app_key.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                ("channel_message", None, Some("SlackCLIAPI")),
                ("new_mention", Some("When mentioned"), None),
            ]
        );
    })
    .await
}
