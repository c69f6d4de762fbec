//! Response decoding of every documented status, against httpmock on 127.0.0.1: success shapes
//! of both variants, typed errors, retries (5xx, 429 with `Retry-After`), the refresh-and-retry
//! on an expired token, and unknown enum values kept verbatim.

#[path = "../common/mod.rs"]
mod common;

mod action_runs;
mod inboxes;
mod leases;
mod retries;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use httpmock::Method::{DELETE, GET, POST, PUT};
use httpmock::MockServer;
use serde_json::json;
use zapier_embed::{
    ApiVariant, Client, Error, LeaseOptions, actions::RunErrorCode, auth::AccessToken, auth::Token,
    auth::TokenEndpoint, auth::TokenFuture, auth::TokenSource, inboxes::EnsureOutcome,
    inboxes::InboxStatus, inboxes::PausedReason, messages::AckOutcome, messages::LeasedUntilSource,
    messages::MessageStatus, retry::RetryPolicy,
};

use common::*;

const A: &str = "/trigger-inbox/api/v1";

fn client(server: &MockServer, variant: ApiVariant) -> Client {
    builder(variant)
        .api_url(server.base_url())
        .auth_url(server.base_url())
        .access_token("test-access-token")
        .build()
        .expect("client")
}

fn errors(code: &str, detail: &str, status: u16) -> serde_json::Value {
    json!({"errors": [{"code": code, "detail": detail, "status": status, "title": "Error"}]})
}

fn leased_message(id: &str, token: Option<&str>) -> serde_json::Value {
    let mut m = json!({
        "id": id, "created_at": "2026-03-12T16:59:47.185Z", "status": "leased",
        "payload": {"key": "value"},
        "message_attributes": {"lease_count": 4, "error_message": "The Slack connection expired",
                               "possible_duplicate_data": true}
    });
    if let Some(t) = token {
        m["lease_token"] = json!(t);
    }
    m
}

/// Hands out `t1`, `t2`, … and counts fetches.
#[derive(Default, Clone)]
struct Counting(Arc<AtomicUsize>);

impl TokenSource for Counting {
    fn fetch<'a>(&'a self, _: &'a TokenEndpoint) -> TokenFuture<'a> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move {
            Ok(Token::new(AccessToken::new(format!("t{n}"))).expires_in(Duration::from_secs(3600)))
        })
    }
}
