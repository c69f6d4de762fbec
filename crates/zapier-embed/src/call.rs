//! The one place that runs an operation: token → attempt (with its timeout) → error mapping →
//! refresh-and-retry-once → retry rule → total timeout, all inside one `tracing` span.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tracing::{Instrument, field};

use crate::auth::{TokenCache, TokenEndpoint};
use crate::client::Config;
use crate::correlation::Correlation;
use crate::pacing::{Pacer, Permit, ReadingSlot};
use crate::retry::{self, Decision, Idempotency, Reach, RetryPolicy};
use crate::wire::Api;
use crate::{Error, ErrorContext};

/// What the client knows about an operation.
#[derive(Debug)]
pub(crate) struct Operation {
    /// The generated operation id (`lease_trigger_inbox_messages`), recorded in the span.
    pub(crate) id: &'static str,
    /// The human name used in errors (`lease messages`).
    pub(crate) name: &'static str,
    /// Its class for the retry rule.
    pub(crate) idempotency: Idempotency,
}

/// A failed attempt: the mapped error, and whether the request may have been processed.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    pub(crate) reach: Reach,
}

impl Failure {
    /// A failure of an answer that arrived (the server processed, or refused, the request).
    pub(crate) fn answered(error: Error) -> Self {
        Failure {
            error,
            reach: Reach::MaybeProcessed,
        }
    }

    /// A failure found before anything was sent.
    pub(crate) fn unsent(error: Error) -> Self {
        Failure {
            error,
            reach: Reach::NotSent,
        }
    }
}

/// After a `Retry-After`, holds back every request of one identity until it elapsed.
///
/// The server limits per caller (token), not per operation: a 429 on a lease also means the
/// concurrent acks of the same token must wait, or they would arrive before the `Retry-After`
/// elapsed. Requests already on the wire when the 429 arrived cannot be recalled.
#[derive(Debug, Default)]
pub(crate) struct RateGate {
    until: std::sync::Mutex<Option<tokio::time::Instant>>,
    /// The way to this identity's budget (`pacing.rs`), read from `X-RateLimit-*`.
    pub(crate) pacer: Pacer,
}

impl RateGate {
    /// How long until no `Retry-After` is pending (`None` when none is).
    pub(crate) fn pending(&self) -> Option<Duration> {
        let until = *self.until.lock().unwrap_or_else(|e| e.into_inner());
        until
            .map(|at| at.saturating_duration_since(Instant::now()))
            .filter(|wait| !wait.is_zero())
    }

    /// Holds every request back for `wait` from now (a later hold wins). `wait` comes from the
    /// server: the caller caps it, and the instant saturates instead of overflowing.
    pub(crate) fn hold(&self, wait: Duration) {
        let now = Instant::now();
        let Some(at) = now.checked_add(wait) else {
            return;
        };
        let mut until = self.until.lock().unwrap_or_else(|e| e.into_inner());
        *until = Some(until.map_or(at, |t| t.max(at)));
    }
}

/// Who makes an authenticated call: the identity's tokens and rate state, and the ids its
/// requests carry.
pub(crate) struct Caller<'a> {
    pub(crate) tokens: &'a TokenCache,
    pub(crate) gate: &'a RateGate,
    pub(crate) correlation: Option<Correlation>,
}

/// Configuration and HTTP pool shared by every client of one builder (tenants included).
#[derive(Clone)]
pub(crate) struct Transport {
    pub(crate) config: Arc<Config>,
    /// The pool of API requests: follows same-origin redirects only.
    pub(crate) http: reqwest::Client,
    /// The pool of token requests: follows no redirect at all.
    pub(crate) auth_http: reqwest::Client,
}

impl Transport {
    /// The token endpoint as a token source sees it.
    pub(crate) fn token_endpoint(&self) -> TokenEndpoint {
        TokenEndpoint {
            transport: self.clone(),
        }
    }

    /// Runs `attempt` until it succeeds, the retry rule gives up, or the total timeout passes.
    ///
    /// `caller` is `None` for unauthenticated calls (the token endpoint itself).
    /// `inbox` names the inbox for the span.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        op: &'static Operation,
        caller: Option<&Caller<'_>>,
        inbox: Option<&str>,
        attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut(Api) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let span = tracing::info_span!(
            "zapier_embed.call",
            operation = op.id,
            inbox = field::Empty,
            variant = self.config.variant.as_str(),
            attempts = field::Empty,
            outcome = field::Empty,
            correlation_id = field::Empty,
            causation_id = field::Empty,
        );
        if let Some(inbox) = inbox {
            span.record("inbox", inbox);
        }
        if let Some(ids) = caller.and_then(|c| c.correlation.as_ref()) {
            span.record("correlation_id", ids.correlation_id());
            if let Some(cause) = ids.causation_id() {
                span.record("causation_id", cause);
            }
        }
        let total = self.config.total_timeout;
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let run = self.run(op, caller, attempt, &attempts);
        let mut result = match total {
            Some(limit) => tokio::time::timeout(limit, run)
                .instrument(span.clone())
                .await
                .unwrap_or_else(|_| {
                    Err(Error::timeout(
                        op.name,
                        format!("no result within the total timeout of {limit:?}"),
                    ))
                }),
            None => run.instrument(span.clone()).await,
        };
        span.record(
            "attempts",
            attempts.load(std::sync::atomic::Ordering::Relaxed),
        );
        if let Err(err) = &mut result {
            // Whatever produced it (the server's words, a token source), no known credential
            // leaves in an error.
            self.config.secrets.redact(err);
        }
        match &result {
            Ok(_) => {
                span.record("outcome", "ok");
            }
            Err(err) => {
                span.record("outcome", "error");
                // Display of the domain error is scrubbed of tokens and URL query strings.
                span.in_scope(|| tracing::debug!(error = %err, "operation failed"));
            }
        }
        result
    }

    async fn run<T, F, Fut>(
        &self,
        op: &'static Operation,
        caller: Option<&Caller<'_>>,
        mut attempt: F,
        attempts: &std::sync::atomic::AtomicU32,
    ) -> Result<T, Error>
    where
        F: FnMut(Api) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        // A capturing client answers 599 locally: retrying or refreshing would only record the
        // same request again.
        let capturing = self.config.capture.is_some();
        let policy = if capturing {
            RetryPolicy::no_retries()
        } else {
            self.config.retry.clone()
        };
        let tokens = caller.map(|c| c.tokens);
        let gate = caller.map(|c| c.gate);
        let headers = caller
            .and_then(|c| c.correlation.as_ref())
            .map(Correlation::headers)
            .unwrap_or_default();
        let pacing = self.config.pacing && !capturing;
        let started = Instant::now();
        // Whether a wait for the rate limit fits: a wait longer than the policy allows or than
        // the call's remaining budget fails the call at once, before anything is sent.
        let may_wait = |wait: Duration| {
            let left = self
                .config
                .total_timeout
                .map(|limit| limit.saturating_sub(started.elapsed()));
            wait <= policy.max_retry_after() && left.is_none_or(|left| wait < left)
        };
        let mut retries = 0u32;
        let mut refreshed = false;
        let mut number = 0u32;
        loop {
            number = number.saturating_add(1);
            // Read by `call` (also after a total timeout cut this future short).
            attempts.store(number, std::sync::atomic::Ordering::Relaxed);
            if let Some(wait) = gate.and_then(RateGate::pending) {
                // A pending `Retry-After` longer than the caller can wait fails at once.
                if !may_wait(wait) {
                    return Err(rate_limited_unsent(
                        op,
                        wait,
                        "a Retry-After of an earlier answer is still pending; nothing was sent",
                    ));
                }
                tokio::time::sleep(wait).await;
            }
            let lent = match tokens {
                Some(cache) => Some(cache.get(&self.token_endpoint()).await?),
                None => None,
            };
            let permit: Option<Permit> = match (gate, &lent) {
                (Some(gate), Some(lent)) if pacing => {
                    let bucket = gate.pacer.bucket(lent.token.expose_secret());
                    match bucket.acquire(&may_wait).await {
                        Ok(permit) => Some(permit),
                        Err(wait) => {
                            return Err(rate_limited_unsent(
                                op,
                                wait,
                                "this identity's rate-limit budget (X-RateLimit-Remaining) is \
                                 spent until its window resets; nothing was sent",
                            ));
                        }
                    }
                }
                _ => None,
            };
            let reading = ReadingSlot::default();
            let api = Api::new(
                self.clone(),
                lent.as_ref().map(|l| l.token.clone()),
                headers.clone(),
                permit.is_some().then(|| reading.clone()),
            );
            let limit = self.config.attempt_timeout;
            // One span per attempt: its number and, when it failed with an answer, the status.
            let attempt_span = tracing::debug_span!(
                "zapier_embed.attempt",
                attempt = number,
                status = field::Empty
            );
            let outcome = tokio::time::timeout(limit, attempt(api))
                .instrument(attempt_span.clone())
                .await;
            if let Some(permit) = permit {
                let answered = match &outcome {
                    Ok(Ok(_)) => true,
                    Ok(Err(failure)) => failure.error.status().is_some(),
                    Err(_) => false,
                };
                if answered {
                    let reading = reading.lock().unwrap_or_else(|e| e.into_inner()).take();
                    permit.answered(reading, policy.max_retry_after());
                }
            }
            let mut failure = match outcome {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(failure)) => failure,
                Err(_) => Failure::answered(Error::timeout(
                    op.name,
                    format!("attempt {number} got no answer within {limit:?}"),
                )),
            };
            self.config.secrets.redact(&mut failure.error);
            if let Some(status) = failure.error.status() {
                attempt_span.record("status", status);
            }
            if let (Some(gate), Some(wait)) = (gate, failure.error.retry_after()) {
                // Capped: a hostile `Retry-After` must not lock this identity out for good.
                gate.hold(wait.min(policy.max_retry_after()));
            }
            if let (Some(cache), Some(lent)) = (tokens, &lent)
                && failure.error.should_refresh_token()
                && !refreshed
                && !capturing
                && cache.refreshable()
            {
                // The server rejected the token before doing anything: safe for every class.
                attempt_span.in_scope(|| {
                    tracing::debug!(error = %failure.error, "token rejected; refreshing it and retrying once")
                });
                cache.invalidate(lent.generation);
                refreshed = true;
                continue;
            }
            let remaining = self
                .config
                .total_timeout
                .map(|limit| limit.saturating_sub(started.elapsed()));
            match retry::decide(
                &policy,
                op.idempotency,
                failure.error,
                failure.reach,
                retries,
                remaining,
            ) {
                Decision::RetryAfter(delay) => {
                    retries = retries.saturating_add(1);
                    attempt_span.in_scope(|| {
                        tracing::debug!(
                            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                            retry = retries,
                            "retrying"
                        )
                    });
                    tokio::time::sleep(delay).await;
                }
                Decision::GiveUp(err) => return Err(err),
            }
        }
    }
}

/// A call refused before sending because of a rate-limit wait it cannot afford.
fn rate_limited_unsent(op: &Operation, wait: Duration, detail: &'static str) -> Error {
    Error::RateLimited {
        context: Box::new(ErrorContext::new(op.name).with_detail(detail)),
        retry_after: Some(wait),
    }
}

/// A jittered exponential delay for polling loops (waiting for a state, polling a run): half of
/// `base × 1.6^step` plus a random part of the other half, capped at `max`.
pub(crate) fn poll_delay(step: u32, base: Duration, max: Duration) -> Duration {
    let factor = 1.6f64.powi(i32::try_from(step.min(40)).unwrap_or(40));
    let ceiling = Duration::try_from_secs_f64(base.as_secs_f64() * factor)
        .unwrap_or(max)
        .min(max);
    half_jitter(ceiling)
}

/// A delay drawn uniformly from the upper half of `ceiling`: spread, so that clients that waited
/// together do not come back together, yet never much shorter than asked.
pub(crate) fn half_jitter(ceiling: Duration) -> Duration {
    use rand::Rng;
    let half = ceiling / 2;
    let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    half + Duration::from_nanos(rand::rng().random_range(0..=nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_delay_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for _ in 0..100 {
            let first = poll_delay(0, base, max);
            assert!(first >= Duration::from_millis(50) && first <= base);
            assert!(poll_delay(50, base, max) <= max);
            assert!(poll_delay(50, base, max) >= max / 2);
        }
    }
}
