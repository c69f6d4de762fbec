//! Tokens and retries against the emulator: one token request and one refresh for concurrent
//! calls, an expired static token, `Retry-After`, the partner JWT exchange.

use super::*;

/// Client credentials, counting the token requests.
#[derive(Clone)]
struct Counted {
    inner: ClientCredentials,
    fetches: Arc<AtomicUsize>,
}

impl TokenSource for Counted {
    fn fetch<'a>(&'a self, endpoint: &'a TokenEndpoint) -> TokenFuture<'a> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        self.inner.fetch(endpoint)
    }
}

fn counted() -> Counted {
    Counted {
        inner: ClientCredentials::new("test-client", "test-secret"),
        fetches: Arc::new(AtomicUsize::new(0)),
    }
}

#[tokio::test]
async fn concurrent_calls_share_one_token_request_and_one_refresh() {
    let handle = start().await;
    let source = counted();
    let client = builder_for(&handle, ApiVariant::ById)
        .token_source(source.clone())
        .build()
        .expect("client");

    // 32 calls find no token: one token request.
    let calls = (0..32).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.triggers().list("slack").await })
    });
    for call in futures::future::join_all(calls).await {
        call.expect("task").expect("call");
    }
    assert_eq!(source.fetches.load(Ordering::SeqCst), 1);

    // The emulator's clock passes the token's expiry: every call gets 400 `unauthenticated`,
    // and the 32 of them share one refresh before retrying.
    handle.emulator().advance_clock(Duration::from_secs(3601));
    let calls = (0..32).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.triggers().list("slack").await })
    });
    for call in futures::future::join_all(calls).await {
        call.expect("task").expect("refreshed and retried");
    }
    assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
    let stats = handle.emulator().stats();
    assert_eq!(
        stats.requests_by_status.get("400").copied(),
        Some(32),
        "{stats:?}"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn a_static_token_past_its_expiry_is_unauthenticated() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");
    let token = client.access_token().await.expect("token");
    let fixed = builder_for(&handle, ApiVariant::ById)
        .access_token(token)
        .build()
        .expect("client");
    fixed.triggers().list("slack").await.expect("valid");
    handle.emulator().advance_clock(Duration::from_secs(3601));
    let err = fixed.triggers().list("slack").await.expect_err("expired");
    assert!(matches!(err, Error::Unauthenticated { .. }), "{err}");
    assert!(err.should_refresh_token());
    handle.shutdown().await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let handle = start().await;
    let client = builder_for(&handle, ApiVariant::ById)
        .build()
        .expect("client");
    client
        .triggers()
        .list("slack")
        .await
        .expect("warm up the token");
    // The next two trigger-discovery requests answer 429 with `Retry-After: 1`.
    let burst = json!({"route": "/trigger-inbox/", "rate_limit_burst": 2, "retry_after_secs": 1});
    let control = handle.control().expect("control client");
    control
        .add_fault(&serde_json::from_value(burst).expect("a fault rule"))
        .await
        .expect("fault");
    let triggers = client
        .triggers()
        .list("slack")
        .await
        .expect("after two waits");
    assert!(triggers.iter().any(|t| t.key == "channel_message"));
    let stats = handle.emulator().stats();
    assert_eq!(
        stats.requests_by_status.get("429").copied(),
        Some(2),
        "{stats:?}"
    );
    // The emulator counts requests that arrive before their `Retry-After` elapsed.
    assert_eq!(stats.early_retries, 0, "{stats:?}");
    handle.shutdown().await;
}

#[tokio::test]
async fn partner_jwt_exchange_against_the_emulator() {
    use zapier_embed::{auth::AccessToken, auth::PartnerJwtExchange};
    let handle = start().await;
    let exchange = PartnerJwtExchange::new("test-client", "test-secret", || async {
        Ok(AccessToken::new(unsigned_partner_jwt("user-42", "acme")))
    });
    let client = builder_for(&handle, ApiVariant::ByName)
        .token_source(exchange)
        .build()
        .expect("client");
    let triggers = client
        .triggers()
        .list("slack")
        .await
        .expect("exchanged token works");
    assert!(!triggers.is_empty());
    handle.shutdown().await;
}

/// A partner JWT as the emulator accepts it (it checks the claims, not the signature).
fn unsigned_partner_jwt(sub: &str, org: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let b64 = |v: serde_json::Value| base64url(v.to_string().as_bytes());
    format!(
        "{}.{}.{}",
        b64(json!({"alg": "RS256", "typ": "JWT", "kid": "k1"})),
        b64(
            json!({"sub": sub, "org_id": org, "iss": "partner", "aud": "connect.zapier.com",
                   "iat": now, "nbf": now - 5, "exp": now + 300})
        ),
        base64url(b"signature")
    )
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}
