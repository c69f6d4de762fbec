//! The checks, each a named item with the document section it comes from (one section per
//! variant: the by-id reference and guides, or the by-name guide).
//!
//! Document names: "Embedded triggers" is Zapier's guide to the by-id flow (variant A) and, in its
//! by-name edition, variant B; "Consuming messages" and "Trigger Inbox errors" are the Trigger
//! Inbox guides; "API reference" is the published Trigger Inbox specification; "Embedded actions"
//! is the White Label Action Runs guide, "Partner API" its specification.

mod action_runs;
mod errors;
mod isolation;
mod leasing;
mod lifecycle;
mod settling;

use futures::future::BoxFuture;

use crate::context::Ctx;
use crate::target::Variant;
use crate::verdict::Checked;

/// One check.
pub(crate) struct Check {
    pub(crate) name: &'static str,
    /// The section in variant A's documents.
    pub(crate) section_a: &'static str,
    /// The section in variant B's documents.
    pub(crate) section_b: &'static str,
    pub(crate) run: for<'a> fn(&'a Ctx) -> BoxFuture<'a, Checked>,
}

impl Check {
    pub(crate) fn section(&self, variant: Variant) -> &'static str {
        match variant {
            Variant::ById => self.section_a,
            Variant::ByName => self.section_b,
        }
    }
}

macro_rules! check {
    ($name:literal, $a:literal, $b:literal, $f:path) => {
        Check {
            name: $name,
            section_a: $a,
            section_b: $b,
            run: |ctx| Box::pin($f(ctx)),
        }
    };
}

/// Every check, in running order.
pub(crate) static CHECKS: &[Check] = &[
    check!(
        "inbox.create_then_active",
        "Embedded triggers § Step 5: Create a trigger inbox; API reference § Create inbox",
        "Embedded triggers (by name) § Step 5: Create a trigger inbox",
        lifecycle::create_then_active
    ),
    check!(
        "inbox.name_conflict_409",
        "API reference § Create inbox (409); Trigger Inbox errors § 409",
        "Embedded triggers (by name) § Common errors (409 conflict)",
        lifecycle::name_conflict
    ),
    check!(
        "inbox.ensure_200_201",
        "API reference § Ensure inbox (PUT: 200 existing, 201 created, 409 different)",
        "Embedded triggers (by name) § Step 5 (PUT is an upsert by name)",
        lifecycle::ensure
    ),
    check!(
        "inbox.list_by_name",
        "API reference § List inboxes",
        "Embedded triggers (by name) § Inbox management: List inboxes",
        lifecycle::list_by_name
    ),
    check!(
        "inbox.pause_resume",
        "Manage your inbox § Pause and resume; API reference § Pause inbox, Resume inbox",
        "Embedded triggers (by name) § Inbox management: Pause and resume",
        lifecycle::pause_resume
    ),
    check!(
        "inbox.delete_then_404",
        "API reference § Delete inbox (202); Trigger Inbox errors § 404",
        "Embedded triggers (by name) § Inbox management: Delete; Common errors (404 not_found)",
        lifecycle::delete_then_404
    ),
    check!(
        "lease.empty_200",
        "Consuming messages § Lease messages: Empty queue",
        "Embedded triggers (by name) § Step 6: Lease messages",
        leasing::empty_200
    ),
    check!(
        "lease.messages_201",
        "Consuming messages § Lease messages: Response fields",
        "Embedded triggers (by name) § Step 6: Lease messages (message fields)",
        leasing::messages_201
    ),
    check!(
        "lease.default_limit",
        "Consuming messages § Lease messages: Request parameters (lease_limit default 10)",
        "Embedded triggers (by name) § Step 6: Lease messages (max_messages)",
        leasing::default_limit
    ),
    check!(
        "lease.limits_400",
        "Consuming messages § Lease messages: Request parameters (max 3600 s, 100 messages)",
        "Embedded triggers (by name) § Step 6: Lease messages",
        leasing::limits
    ),
    check!(
        "lease.default_seconds",
        "Consuming messages § Lease messages: Request parameters (lease_seconds default 300)",
        "Embedded triggers (by name) § Step 6: Lease messages (lease_seconds defaults to 30)",
        leasing::default_seconds
    ),
    check!(
        "lease.leased_invisible",
        "Consuming messages § Lease messages (no other consumer can claim leased messages)",
        "Embedded triggers (by name) § Step 6: Lease messages (leased messages are hidden)",
        leasing::leased_invisible
    ),
    check!(
        "lease.paused_drained_409",
        "Consuming messages § Lease messages: Paused and drained (409)",
        "Embedded triggers (by name) § Inbox management: Pause and resume",
        leasing::paused_drained
    ),
    check!(
        "ack.whole_lease",
        "Consuming messages § Acknowledge messages: Acknowledge a full batch",
        "Embedded triggers (by name) § Step 7: Acknowledge or release messages",
        settling::ack_whole_lease
    ),
    check!(
        "ack.subset",
        "Consuming messages § Acknowledge messages: Acknowledge specific messages",
        "Embedded triggers (by name) § Step 7 (one lease_token per message)",
        settling::ack_subset
    ),
    check!(
        "release.available_again",
        "Consuming messages § Release messages",
        "Embedded triggers (by name) § Step 7: Acknowledge or release messages",
        settling::release_available_again
    ),
    check!(
        "lease.expiry",
        "Consuming messages § Acknowledge messages: Expired leases",
        "Embedded triggers (by name) § Step 6 (messages return after the lease window)",
        settling::expiry
    ),
    check!(
        "quarantine.at_5",
        "Consuming messages § Release messages; Handle quarantined messages",
        "Embedded triggers (by name) § Step 6: Quarantine",
        settling::quarantine
    ),
    check!(
        "messages.list_cursor",
        "Consuming messages § List messages; API reference § List messages (cursor)",
        "Embedded triggers (by name) (no message listing documented)",
        settling::list_cursor
    ),
    check!(
        "errors.bad_input",
        "Trigger Inbox errors § Error envelope, 400 for a missing or invalid field",
        "Embedded triggers (by name) § Common errors (422 validation_error)",
        errors::bad_input
    ),
    check!(
        "errors.unknown_inbox_404",
        "Trigger Inbox errors § 404",
        "Embedded triggers (by name) § Common errors (404 not_found)",
        errors::unknown_inbox
    ),
    check!(
        "errors.unauthenticated",
        "Trigger Inbox errors § 400 unauthenticated, 401 (Bearer prefix)",
        "Embedded triggers (by name) § Common errors (401 authentication_failed)",
        errors::unauthenticated
    ),
    check!(
        "headers.rate_limit",
        "API reference § Common response headers (X-RateLimit-Limit, -Remaining, -Reset)",
        "API reference § Common response headers (X-RateLimit-Limit, -Remaining, -Reset)",
        errors::rate_limit_headers
    ),
    check!(
        "isolation.second_identity",
        "API reference § Inbox (a user-scoped queue); Trigger Inbox errors § 404",
        "Embedded triggers (by name) § Step 5 (inboxes are per user)",
        isolation::second_identity
    ),
    check!(
        "action_runs.round_trip",
        "Embedded actions § Create and retrieve Action Runs; Partner API § /v2/action-runs",
        "Embedded actions § Create and retrieve Action Runs; Partner API § /v2/action-runs",
        action_runs::round_trip
    ),
];
