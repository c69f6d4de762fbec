//! Inbox messages: leasing, settling and listing them, and delivering events to the inboxes
//! subscribed to a trigger.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::Store;
use super::inboxes::{Cursor, EventTarget, InboxStatus, LeaseOutcome, MessagePage, Notice};
use crate::clock::iso;
use crate::error::{ApiError, ApiResult};
use crate::models::inbox::{LeaseConflictAttributes, LeaseConflictResponse};
use crate::queue::{Payload, QueueError, Settle, StoredMessage};
use crate::stats::Stats;

impl Store {
    /// Leases messages. A paused inbox keeps serving its backlog; once nothing is available or
    /// leased it answers the 409 `LeaseConflictResponse`.
    pub(crate) fn lease(
        &mut self,
        user: Uuid,
        id: Uuid,
        seconds: i64,
        limit: usize,
        now: DateTime<Utc>,
        stats: &Stats,
    ) -> ApiResult<LeaseOutcome> {
        let rec = self.inbox(user, id, now)?;
        let attrs = rec.attributes();
        if rec.status == InboxStatus::Deleting {
            return Ok(LeaseOutcome::Empty(attrs));
        }
        let grant = rec
            .queue
            .lease(now, chrono::Duration::seconds(seconds), limit);
        stats.add_queue(rec.queue.take_counters());
        match grant {
            Some(g) => Ok(LeaseOutcome::Granted(g, attrs)),
            None if rec.status == InboxStatus::Paused && !rec.queue.has_live_leases() => {
                Err(ApiError::LeaseConflict(Box::new(LeaseConflictResponse {
                    detail: "Inbox is paused and fully drained.".to_owned(),
                    inbox_attributes: LeaseConflictAttributes {
                        status: attrs.status,
                        paused_reason: attrs.paused_reason,
                        paused_at: rec.paused_at.map(iso),
                    },
                })))
            }
            None => Ok(LeaseOutcome::Empty(attrs)),
        }
    }

    /// Acks or releases by `(lease_id, message_ids?)` pairs (variant B passes one pair per token).
    pub(crate) fn settle(
        &mut self,
        user: Uuid,
        id: Uuid,
        batches: &[(Uuid, Option<Vec<Uuid>>)],
        how: Settle,
        now: DateTime<Utc>,
        stats: &Stats,
    ) -> ApiResult<Vec<StoredMessage>> {
        let rec = self.inbox(user, id, now)?;
        let mut out = Vec::new();
        let mut result = Ok(());
        for (lease, ids) in batches {
            match rec.queue.settle(now, *lease, ids.as_deref(), how) {
                Ok(mut msgs) => out.append(&mut msgs),
                Err(QueueError::LeaseExpired(l)) => {
                    result = Err(ApiError::lease_expired(l));
                    break;
                }
            }
        }
        stats.add_queue(rec.queue.take_counters());
        result.map(|()| out)
    }

    /// One page of the inbox's messages (all states).
    pub(crate) fn list_messages(
        &mut self,
        user: Uuid,
        id: Uuid,
        cursor: Cursor,
        limit: usize,
        now: DateTime<Utc>,
        stats: &Stats,
    ) -> ApiResult<MessagePage> {
        let rec = self.inbox(user, id, now)?;
        rec.queue.expire(now);
        stats.add_queue(rec.queue.take_counters());
        let q = &rec.queue;
        let (messages, more) = match cursor {
            Cursor::Start => q.page_after(None, limit),
            Cursor::After(s) => q.page_after(Some(s), limit),
            Cursor::Before(s) => q.page_before(s, limit),
        };
        let (first, last) = match (messages.first(), messages.last()) {
            (Some(f), Some(l)) => (f.seq, l.seq),
            _ => {
                return Ok(MessagePage {
                    messages,
                    previous: None,
                    next: None,
                });
            }
        };
        let (previous, next) = match cursor {
            Cursor::Before(_) => (
                more.then_some(Cursor::Before(first)),
                q.has_after(last).then_some(Cursor::After(last)),
            ),
            _ => (
                q.has_before(first).then_some(Cursor::Before(first)),
                more.then_some(Cursor::After(last)),
            ),
        };
        Ok(MessagePage {
            messages,
            previous,
            next,
        })
    }

    /// Delivers events to every active inbox subscribed to `(app, action)` whose inputs contain
    /// `filter`; paused matching inboxes drop them. Returns the inboxes that received messages.
    pub(crate) fn emit(
        &mut self,
        target: EventTarget<'_>,
        payloads: &[Arc<Value>],
        count: u64,
        now: DateTime<Utc>,
        stats: &Stats,
    ) -> Vec<Notice> {
        let EventTarget {
            app,
            action,
            filter,
            owner,
            possible_duplicate,
        } = target;
        let ids: Vec<Uuid> = self.inboxes.keys().copied().collect();
        // Each payload is serialized once; every copy in every inbox shares that text.
        let payloads: Vec<Payload> = payloads.iter().map(|p| Payload::from_value(p)).collect();
        let per_inbox = payloads.len() as u64 * count;
        let mut notices = Vec::new();
        for id in ids {
            if !self.refresh(id, now) {
                continue;
            }
            let Some(rec) = self.inboxes.get_mut(&id) else {
                continue;
            };
            let matches = owner.is_none_or(|o| o == rec.owner)
                && std::ptr::eq(rec.app, app)
                && rec.action.key == action
                && filter
                    .iter()
                    .all(|(k, v)| rec.subscription.inputs.get(k) == Some(v));
            if !matches || per_inbox == 0 {
                continue;
            }
            match rec.status {
                InboxStatus::Active => {
                    for _ in 0..count {
                        for p in &payloads {
                            if possible_duplicate {
                                rec.queue.enqueue_possible_duplicate(now, p.clone());
                            } else {
                                rec.queue.enqueue(now, p.clone());
                            }
                        }
                    }
                    stats.add_queue(rec.queue.take_counters());
                    notices.push(Notice {
                        inbox_id: id,
                        count: per_inbox,
                        notification_url: rec.notification_url.clone(),
                    });
                }
                InboxStatus::Paused => stats.add_dropped(per_inbox),
                _ => {}
            }
        }
        notices
    }

    /// Returns every expired lease to its pool (so statistics are current).
    pub(crate) fn expire_all(&mut self, now: DateTime<Utc>, stats: &Stats) {
        for rec in self.inboxes.values_mut() {
            rec.queue.expire(now);
            stats.add_queue(rec.queue.take_counters());
        }
    }
}
