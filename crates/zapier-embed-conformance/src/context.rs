//! What every check shares: the identities' tokens, URL building for the target's variant and
//! prefix, inbox fixtures (created, awaited, cleaned up), the event source and the clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::http::{Http, Reply, Token};
use crate::target::{Control, Credentials, Target, Variant};
use crate::verdict::{Verdict, ensure, fail, skip};

/// Inboxes to delete: (token, URL), shared with [`crate::Suite::cleanup`].
pub(crate) type Cleanup = Arc<Mutex<Vec<(Http, Token, String)>>>;

/// Deletes everything on the list; returns how many deletions did not answer 2xx or 404.
pub(crate) async fn run_cleanup(cleanup: &Cleanup) -> usize {
    let pending: Vec<_> = std::mem::take(&mut *cleanup.lock().await);
    let mut failed = 0;
    for (http, token, url) in pending {
        let request = http.request(Method::DELETE, &url).bearer_auth(&token.0);
        match http.send(request).await {
            Ok(reply) if reply.status < 300 || reply.status == 404 || reply.status == 409 => {}
            _ => failed += 1,
        }
    }
    failed
}

/// An inbox a check created.
#[derive(Debug, Clone)]
pub(crate) struct Inbox {
    pub(crate) id: String,
    pub(crate) name: String,
    /// The Webhooks by Zapier hook code it subscribes to (events are routed by it).
    pub(crate) hook_code: String,
}

/// Which identity acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Who {
    First,
    Second,
}

/// How acked or released messages are named: a whole lease or some of its messages.
pub(crate) enum Settle<'a> {
    /// Every message of the lease answered by `reply`.
    Lease(&'a Reply),
    /// Only these messages of that lease (by index into its `results`).
    Some(&'a Reply, &'a [usize]),
}

pub(crate) struct Ctx {
    pub(crate) target: Arc<Target>,
    pub(crate) http: Http,
    token: Token,
    second: Option<Token>,
    /// Whether `/_emulator/*` is usable.
    pub(crate) control: bool,
    run_id: String,
    counter: AtomicU32,
    cleanup: Cleanup,
}

impl Ctx {
    /// Logs the identities in and detects the control API; the error is every check's outcome.
    pub(crate) async fn connect(
        target: Arc<Target>,
        cleanup: Cleanup,
    ) -> Result<Ctx, crate::Outcome> {
        let http = Http::new(target.request_timeout);
        let token = fetch_token(&http, &target.auth_url, &target.credentials)
            .await
            .map_err(|e| crate::Outcome::Fail(format!("token for the first identity: {e}")))?;
        let second = match &target.second_credentials {
            Some(c) => Some(fetch_token(&http, &target.auth_url, c).await.map_err(|e| {
                crate::Outcome::Fail(format!("token for the second identity: {e}"))
            })?),
            None => None,
        };
        let control = match target.control {
            Control::Present => true,
            Control::Absent => false,
            Control::Detect => {
                let probe =
                    http.request(Method::GET, &format!("{}/_emulator/clock", target.api_url));
                matches!(http.send(probe).await, Ok(r) if r.status == 200 && r.body["now"].is_string())
            }
        };
        Ok(Ctx {
            target,
            http,
            token,
            second,
            control,
            run_id: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
            counter: AtomicU32::new(0),
            cleanup,
        })
    }

    pub(crate) fn variant(&self) -> Variant {
        self.target.variant
    }

    pub(crate) fn has_second(&self) -> bool {
        self.second.is_some()
    }

    fn token(&self, who: Who) -> &Token {
        match (who, &self.second) {
            (Who::Second, Some(second)) => second,
            _ => &self.token,
        }
    }

    /// A fresh, recognisable inbox name.
    pub(crate) fn new_name(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("zembed-conformance-{}-{n}", self.run_id)
    }

    /// A fresh 12-hex-digit hook code (or the catch hook's code when events come from it).
    fn new_hook_code(&self) -> String {
        match (&self.target.catch_hook_url, self.control) {
            (Some(url), false) => catch_hook_code(url),
            _ => uuid::Uuid::new_v4().simple().to_string()[..12].to_owned(),
        }
    }

    // ---------- URLs ----------

    pub(crate) fn collection_url(&self) -> String {
        let base = format!(
            "{}{}/inboxes",
            self.target.api_url, self.target.inbox_path_prefix
        );
        match self.variant() {
            Variant::ById => base,
            Variant::ByName => base + "/",
        }
    }

    pub(crate) fn inbox_url(&self, inbox: &Inbox) -> String {
        let base = format!(
            "{}{}/inboxes",
            self.target.api_url, self.target.inbox_path_prefix
        );
        match self.variant() {
            Variant::ById => format!("{base}/{}", inbox.id),
            Variant::ByName => format!("{base}/{}/", inbox.name),
        }
    }

    /// `op` under an inbox (`pause`, `messages/lease`, ...), in the variant's spelling.
    pub(crate) fn op_url(&self, inbox: &Inbox, op: &str) -> String {
        match self.variant() {
            Variant::ById => format!("{}/{op}", self.inbox_url(inbox)),
            Variant::ByName => format!("{}{op}/", self.inbox_url(inbox)),
        }
    }

    // ---------- requests ----------

    pub(crate) async fn call(
        &self,
        who: Who,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Reply, Verdict> {
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(&self.token(who).0);
        if let Some(body) = body {
            request = request.json(body);
        }
        let mut reply = self.http.send(request).await?;
        self.scrub(&mut reply);
        Ok(reply)
    }

    /// Replaces any token the server echoed in a body with `<redacted>`, so that no failure
    /// reason (printed, logged, stored as JSON) carries one.
    fn scrub(&self, reply: &mut Reply) {
        let text = reply.body.to_string();
        let tokens = std::iter::once(&self.token).chain(self.second.as_ref());
        if tokens
            .clone()
            .any(|t| !t.0.is_empty() && text.contains(&t.0))
        {
            let scrubbed = tokens.fold(text, |text, t| text.replace(&t.0, "<redacted>"));
            reply.body = serde_json::from_str(&scrubbed).unwrap_or(Value::Null);
        }
    }

    pub(crate) async fn get(&self, url: &str) -> Result<Reply, Verdict> {
        self.call(Who::First, Method::GET, url, None).await
    }

    pub(crate) async fn post(&self, url: &str, body: &Value) -> Result<Reply, Verdict> {
        self.call(Who::First, Method::POST, url, Some(body)).await
    }

    // ---------- inboxes ----------

    /// The subscription inputs of a Webhooks by Zapier catch hook with `code`.
    fn hook_inputs(code: &str) -> Value {
        json!({"_zap_static_hook_code": code, "_zap_static_hook_seed": &code[..code.len().min(12)]})
    }

    /// The create (variant A) or upsert (variant B) body for a catch hook subscription.
    pub(crate) fn inbox_body(&self, name: &str, hook_code: &str) -> Value {
        match self.variant() {
            Variant::ById => json!({
                "name": name,
                "subscription": {
                    "app_key": "webhook", "action_key": "hook_v2",
                    "connection_id": null, "inputs": Self::hook_inputs(hook_code),
                },
            }),
            Variant::ByName => json!({
                "app": "webhook", "action": "hook_v2", "connection": null,
                "inputs": Self::hook_inputs(hook_code),
            }),
        }
    }

    /// Creates an inbox as `who` (variant A: `POST` the collection; variant B: `PUT` by name) and
    /// registers it for cleanup; returns it with the raw answer.
    pub(crate) async fn create_inbox_as(&self, who: Who) -> Result<(Inbox, Reply), Verdict> {
        let name = self.new_name();
        let hook_code = self.new_hook_code();
        let body = self.inbox_body(&name, &hook_code);
        let reply = match self.variant() {
            Variant::ById => {
                self.call(who, Method::POST, &self.collection_url(), Some(&body))
                    .await?
            }
            Variant::ByName => {
                let url = format!("{}{name}/", self.collection_url());
                self.call(who, Method::PUT, &url, Some(&body)).await?
            }
        };
        reply.ensure_success("creating an inbox")?;
        let Some(id) = reply.body["id"].as_str() else {
            fail!("the created inbox has no string `id`: {}", reply.describe());
        };
        let inbox = Inbox {
            id: id.to_owned(),
            name,
            hook_code,
        };
        self.remember(who, &inbox).await;
        Ok((inbox, reply))
    }

    /// Puts an inbox on the cleanup list.
    pub(crate) async fn remember(&self, who: Who, inbox: &Inbox) {
        let entry = (
            self.http.clone(),
            self.token(who).clone(),
            self.inbox_url(inbox),
        );
        self.cleanup.lock().await.push(entry);
    }

    /// Creates an inbox and waits until it is `active`.
    pub(crate) async fn active_inbox_as(&self, who: Who) -> Result<Inbox, Verdict> {
        let (inbox, _) = self.create_inbox_as(who).await?;
        self.wait_status(who, &inbox, "active").await?;
        Ok(inbox)
    }

    pub(crate) async fn active_inbox(&self) -> Result<Inbox, Verdict> {
        self.active_inbox_as(Who::First).await
    }

    /// Polls the inbox until its `status` is `wanted` (within the settle timeout).
    pub(crate) async fn wait_status(
        &self,
        who: Who,
        inbox: &Inbox,
        wanted: &str,
    ) -> Result<Value, Verdict> {
        let deadline = tokio::time::Instant::now() + self.target.settle_timeout;
        let mut pause = Duration::from_millis(20);
        loop {
            let reply = self
                .call(who, Method::GET, &self.inbox_url(inbox), None)
                .await?;
            ensure!(
                reply.status == 200,
                "reading the inbox: {}",
                reply.describe()
            );
            if reply.body["status"] == wanted {
                return Ok(reply.body);
            }
            let last = reply.body["status"].to_string();
            if tokio::time::Instant::now() >= deadline {
                fail!(
                    "the inbox did not become `{wanted}` within {:?} (last status {last})",
                    self.target.settle_timeout
                );
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    // ---------- events and time ----------

    /// Delivers `count` events (`{"conformance": i}`) to `inbox`, through the control API or the
    /// catch hook; skips the check when the target offers neither.
    pub(crate) async fn emit(&self, inbox: &Inbox, count: usize) -> Result<Vec<Value>, Verdict> {
        let payloads: Vec<Value> = (0..count)
            .map(|i| json!({"conformance": i, "inbox": inbox.name}))
            .collect();
        if self.control {
            let url = format!("{}/_emulator/events", self.target.api_url);
            let body = json!({
                "app": "webhook", "action": "hook_v2",
                "inputs": {"_zap_static_hook_code": inbox.hook_code},
                "payload": payloads,
            });
            let request = self.http.request(Method::POST, &url).json(&body);
            let reply = self.http.send(request).await?;
            ensure!(
                reply.status == 200 && reply.body["delivered"].as_u64().unwrap_or(0) >= 1,
                "the control API did not deliver the events: {}",
                reply.describe()
            );
            return Ok(payloads);
        }
        let Some(hook) = &self.target.catch_hook_url else {
            skip!("needs events: the target has no control API and no catch hook URL was given");
        };
        for payload in &payloads {
            let request = self.http.request(Method::POST, hook).json(payload);
            let reply = self.http.send(request).await?;
            reply.ensure_success("the catch hook refused an event")?;
        }
        // A catch hook delivers asynchronously; give Zapier a moment before leasing.
        tokio::time::sleep(self.target.delivery_wait).await;
        Ok(payloads)
    }

    /// A lease length that [`pass_time`](Self::pass_time) can end quickly: 60 s with the
    /// emulator clock, 2 s otherwise.
    pub(crate) fn short_lease_seconds(&self) -> u64 {
        if self.control { 60 } else { 2 }
    }

    /// Lets `seconds` pass on the target: moves the emulator clock, or sleeps.
    pub(crate) async fn pass_time(&self, seconds: u64) -> Result<(), Verdict> {
        if self.control {
            let url = format!("{}/_emulator/clock/advance", self.target.api_url);
            let request = self
                .http
                .request(Method::POST, &url)
                .json(&json!({"seconds": seconds}));
            let reply = self.http.send(request).await?;
            ensure!(
                reply.status == 200,
                "advancing the clock: {}",
                reply.describe()
            );
        } else {
            tokio::time::sleep(Duration::from_secs(seconds)).await;
        }
        Ok(())
    }

    // ---------- leases ----------

    /// The lease body asking for at most `limit` messages for `seconds` (either may be omitted).
    pub(crate) fn lease_body(&self, limit: Option<u64>, seconds: Option<u64>) -> Value {
        let mut body = serde_json::Map::new();
        if let Some(limit) = limit {
            let field = match self.variant() {
                Variant::ById => "lease_limit",
                Variant::ByName => "max_messages",
            };
            body.insert(field.into(), json!(limit));
        }
        if let Some(seconds) = seconds {
            body.insert("lease_seconds".into(), json!(seconds));
        }
        Value::Object(body)
    }

    pub(crate) async fn lease_as(
        &self,
        who: Who,
        inbox: &Inbox,
        body: &Value,
    ) -> Result<Reply, Verdict> {
        self.call(
            who,
            Method::POST,
            &self.op_url(inbox, "messages/lease"),
            Some(body),
        )
        .await
    }

    pub(crate) async fn lease(&self, inbox: &Inbox, body: &Value) -> Result<Reply, Verdict> {
        self.lease_as(Who::First, inbox, body).await
    }

    /// An active inbox of the first identity holding `events` new events, and a lease (of the
    /// default body) that got some of them.
    pub(crate) async fn leased_inbox(&self, events: usize) -> Result<(Inbox, Reply), Verdict> {
        let inbox = self.active_inbox().await?;
        self.emit(&inbox, events).await?;
        let lease = self
            .lease_some(&inbox, &self.lease_body(None, None))
            .await?;
        Ok((inbox, lease))
    }

    /// Leases until at least one message arrives (a catch hook delivers asynchronously); the
    /// answer must be `201`.
    pub(crate) async fn lease_some(&self, inbox: &Inbox, body: &Value) -> Result<Reply, Verdict> {
        let deadline = tokio::time::Instant::now() + self.target.settle_timeout;
        loop {
            let reply = self.lease(inbox, body).await?;
            if !results(&reply).is_empty() || reply.status != 200 || self.control {
                ensure!(
                    self.is_filled_lease_status(reply.status) && !results(&reply).is_empty(),
                    "leasing available messages should answer 201 with results: {}",
                    reply.describe()
                );
                return Ok(reply);
            }
            if tokio::time::Instant::now() >= deadline {
                fail!("no message arrived within {:?}", self.target.settle_timeout);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Whether `status` is the documented answer to a lease that got messages: `201` in the
    /// by-id documents; the by-name guide names no status, so any 2xx there.
    pub(crate) fn is_filled_lease_status(&self, status: u16) -> bool {
        match self.variant() {
            Variant::ById => status == 201,
            Variant::ByName => (200..300).contains(&status),
        }
    }

    /// Whether `status` is the documented answer to an empty lease: `200` in the by-id
    /// documents; the by-name guide names no status, so any 2xx there.
    pub(crate) fn is_empty_lease_status(&self, status: u16) -> bool {
        match self.variant() {
            Variant::ById => status == 200,
            Variant::ByName => (200..300).contains(&status),
        }
    }

    /// The ack or release body for `settle`, in the variant's shape.
    pub(crate) fn settle_body(&self, settle: &Settle<'_>) -> Value {
        let (reply, picked): (&Reply, Option<&[usize]>) = match settle {
            Settle::Lease(reply) => (reply, None),
            Settle::Some(reply, picked) => (reply, Some(picked)),
        };
        let messages = results(reply);
        let chosen: Vec<&Value> = match picked {
            None => messages.iter().collect(),
            Some(picked) => picked.iter().filter_map(|&i| messages.get(i)).collect(),
        };
        match self.variant() {
            Variant::ById => {
                let mut body = json!({"lease_id": reply.body["lease_id"]});
                if picked.is_some() {
                    body["message_ids"] = chosen.iter().map(|m| m["id"].clone()).collect();
                }
                body
            }
            Variant::ByName => json!({
                "lease_tokens": chosen.iter().map(|m| m["lease_token"].clone()).collect::<Vec<_>>()
            }),
        }
    }

    pub(crate) async fn ack(&self, inbox: &Inbox, settle: Settle<'_>) -> Result<Reply, Verdict> {
        self.post(
            &self.op_url(inbox, "messages/ack"),
            &self.settle_body(&settle),
        )
        .await
    }

    pub(crate) async fn release(
        &self,
        inbox: &Inbox,
        settle: Settle<'_>,
    ) -> Result<Reply, Verdict> {
        self.post(
            &self.op_url(inbox, "messages/release"),
            &self.settle_body(&settle),
        )
        .await
    }
}

/// The `results` array of an answer (empty when absent).
pub(crate) fn results(reply: &Reply) -> &[Value] {
    reply.body["results"].as_array().map_or(&[], Vec::as_slice)
}

/// The ids of an answer's `results`.
pub(crate) fn ids(reply: &Reply) -> Vec<String> {
    results(reply)
        .iter()
        .filter_map(|m| m["id"].as_str().map(str::to_owned))
        .collect()
}

/// The hook code of a catch hook URL: its last non-empty path segment.
fn catch_hook_code(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or_default()
        .to_owned()
}

/// `POST {auth_url}/oauth/token` with the client-credentials grant and scope `external`.
async fn fetch_token(
    http: &Http,
    auth_url: &str,
    credentials: &Credentials,
) -> Result<Token, String> {
    let url = format!("{}/oauth/token", auth_url.trim_end_matches('/'));
    let request = http.request(Method::POST, &url).form(&[
        ("grant_type", "client_credentials"),
        ("client_id", credentials.client_id.as_str()),
        ("client_secret", credentials.client_secret.as_str()),
        ("scope", "external"),
    ]);
    let reply = http.send(request).await.map_err(|v| match v {
        Verdict::Fail(reason) | Verdict::Skip(reason) => reason,
    })?;
    match reply.body["access_token"].as_str() {
        Some(token) if reply.status == 200 && !token.is_empty() => Ok(Token(token.to_owned())),
        // The body is not echoed: a misbehaving server might put a secret in it.
        _ => Err(format!(
            "the token endpoint answered HTTP {} without an access_token",
            reply.status
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::catch_hook_code;

    #[test]
    fn the_hook_code_is_the_last_path_segment() {
        assert_eq!(
            catch_hook_code("https://hooks.zapier.com/hooks/catch/123/abc456/?x=1"),
            "abc456"
        );
        assert_eq!(
            catch_hook_code("https://hooks.zapier.com/hooks/catch/123/abc456"),
            "abc456"
        );
    }
}
