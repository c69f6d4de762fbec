//! Credentials never leave their origin: no redirect carries a token or a secret elsewhere, and
//! nothing the server echoes reaches an error or a log.

use super::*;

#[tokio::test]
async fn the_token_endpoint_never_follows_a_redirect() {
    bounded(async {
        for status in [301, 302, 303, 307, 308] {
            let server = HostileServer::start().await;
            let elsewhere = HostileServer::start().await;
            elsewhere.on_any(Reply::token(ACCESS_TOKEN, 3600));
            server.on(
                "POST",
                "/oauth/token",
                Reply::redirect(status, elsewhere.url("/oauth/token")),
            );
            let client = against(&server)
                .client_credentials("client-id", CLIENT_SECRET)
                .build()
                .expect("client");
            let err = client
                .access_token()
                .await
                .expect_err("a redirect is refused");
            assert_eq!(err.status(), Some(status), "{err}");
            assert!(
                elsewhere.requests().is_empty(),
                "{status}: the form crossed"
            );
            // Same origin or not: the token endpoint follows nothing.
            server.on(
                "POST",
                "/oauth/token",
                Reply::redirect(status, server.url("/oauth/token2")),
            );
            server.on("POST", "/oauth/token2", Reply::token(ACCESS_TOKEN, 3600));
            assert!(client.access_token().await.is_err());
            assert!(server.requests_to("/oauth/token2").is_empty());
            assert_no_secret(&[format!("{err} {err:?}")], &[CLIENT_SECRET]);
        }
    })
    .await;
}

#[tokio::test]
async fn a_bearer_token_never_follows_a_redirect_to_another_origin() {
    bounded(async {
        for status in [301, 302, 307, 308] {
            let server = HostileServer::start().await;
            let elsewhere = HostileServer::start().await;
            elsewhere.on_any(Reply::json(200, inbox_json("active")));
            server.on(
                "GET",
                &inbox_path(),
                Reply::redirect(status, elsewhere.url(&inbox_path())),
            );
            let client = against(&server)
                .access_token(ACCESS_TOKEN)
                .build()
                .expect("client");
            let err = client.inboxes().get(&by_id()).await.expect_err("refused");
            assert_eq!(err.status(), Some(status), "{err}");
            assert!(
                elsewhere.requests().is_empty(),
                "{status}: the request crossed"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed_with_the_token() {
    bounded(async {
        let server = HostileServer::start().await;
        let moved = format!("{A}/moved/{INBOX_ID}");
        server.on(
            "GET",
            &inbox_path(),
            Reply::redirect(308, server.url(&moved)),
        );
        server.on("GET", &moved, Reply::json(200, inbox_json("active")));
        let client = against(&server)
            .access_token(ACCESS_TOKEN)
            .build()
            .expect("client");
        client.inboxes().get(&by_id()).await.expect("followed");
        let followed = server.requests_to(&moved);
        assert_eq!(followed.len(), 1);
        assert_eq!(
            followed[0].header("authorization"),
            Some(format!("Bearer {ACCESS_TOKEN}").as_str())
        );
    })
    .await;
}

// The subscriber is set for the current thread only, so the test runs on one thread.
#[tokio::test(flavor = "current_thread")]
async fn secrets_echoed_by_the_server_never_reach_an_error_or_a_log() {
    let (buffer, _guard) = LogBuffer::capture();
    bounded(async {
        let server = HostileServer::start().await;
        let mut texts = Vec::new();

        // The token endpoint echoes the client secret in free text (no `client_secret=` shape).
        server.on(
            "POST",
            "/oauth/token",
            Reply::json(
                401,
                json!({"error": "invalid_client",
                       "error_description": format!("client secret {CLIENT_SECRET} is wrong")}),
            ),
        );
        let client = against(&server)
            .token_source(ClientCredentials::new("client-id", CLIENT_SECRET))
            .build()
            .expect("client");
        let err = client.triggers().list("slack").await.expect_err("401");
        texts.push(format!("{err} {err:?}"));

        // A token is issued; then every API answer echoes it, as JSON detail and as HTML.
        server.on("POST", "/oauth/token", Reply::token(ACCESS_TOKEN, 3600));
        server.on(
            "GET",
            &inbox_path(),
            Script::new()
                .times(
                    1,
                    Reply::error(500, "server_error", &format!("your token {ACCESS_TOKEN}")),
                )
                .times(
                    1,
                    Reply::raw(
                        502,
                        "text/html",
                        format!("<html><pre>{ACCESS_TOKEN}</pre></html>"),
                    ),
                )
                .then(Reply::raw(
                    200,
                    "application/json",
                    format!("{{\"id\": \"{ACCESS_TOKEN}\""),
                )),
        );
        for _ in 0..3 {
            let err = client.inboxes().get(&by_id()).await.expect_err("echo");
            texts.push(format!("{err} {err:?}"));
        }
        assert!(
            server
                .requests_to(&inbox_path())
                .iter()
                .all(|r| r.header("authorization") == Some(&format!("Bearer {ACCESS_TOKEN}"))),
            "the echoed value really is the bearer token"
        );

        // A connect token, echoed back by a later error of the token endpoint.
        server.on(
            "POST",
            "/oauth/token",
            Script::new()
                .times(1, Reply::token(CONNECT_TOKEN, 360))
                .then(Reply::error(
                    400,
                    "invalid_request",
                    &format!("reused {CONNECT_TOKEN}"),
                )),
        );
        let connect = client.connect_token("slack").await.expect("connect token");
        assert_eq!(connect.expose_secret(), CONNECT_TOKEN);
        let err = client.connect_token("slack").await.expect_err("400");
        texts.push(format!("{err} {err:?}"));

        // A partner JWT assertion, echoed in the refusal of the exchange.
        server.on(
            "POST",
            "/oauth/token",
            Reply::json(
                400,
                json!({"error": "invalid_grant", "error_description": format!("bad {ASSERTION}")}),
            ),
        );
        let exchange = PartnerJwtExchange::new("client-id", CLIENT_SECRET, || async {
            Ok(AccessToken::new(ASSERTION))
        });
        let exchanged = against(&server)
            .token_source(exchange)
            .build()
            .expect("client");
        let err = exchanged.triggers().list("slack").await.expect_err("400");
        texts.push(format!("{err} {err:?}"));

        // A server reflecting the whole request back: the form with the client secret, then
        // the bearer header.
        server.on("POST", "/oauth/token", Reply::echo_request(400));
        let reflected = against(&server)
            .client_credentials("client-id", CLIENT_SECRET)
            .build()
            .expect("client");
        let err = reflected.access_token().await.expect_err("400");
        texts.push(format!("{err} {err:?}"));
        server.on("GET", &inbox_path(), Reply::echo_request(500));
        let err = client.inboxes().get(&by_id()).await.expect_err("500");
        assert!(
            err.to_string().contains("authorization"),
            "the request came back: {err}"
        );
        texts.push(format!("{err} {err:?}"));

        texts.push(buffer.text());
        assert_no_secret(
            &texts,
            &[CLIENT_SECRET, ACCESS_TOKEN, CONNECT_TOKEN, ASSERTION],
        );
        assert!(texts.iter().any(|t| t.contains("[redacted]")), "{texts:?}");
    })
    .await;
}

#[test]
fn urls_of_any_scheme_lose_their_userinfo_in_messages() {
    for url in [
        "ftp://user:hunter2pw@example.com/x",
        "socks5://user:hunter2pw@proxy:1080",
        "https://user:hunter2pw@example.com",
    ] {
        let err = Client::builder()
            .api_url(url)
            .access_token("t")
            .build()
            .expect_err("refused");
        let text = format!("{err} {err:?}");
        assert!(text.contains("api_url"), "{text}");
        assert!(!text.contains("hunter2pw"), "{text}");
    }
}
