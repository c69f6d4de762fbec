//! Availability notifications: SSE subscribers and `notification_url` webhooks.
//!
//! Both signal availability only (no payload). The webhook is fire-and-forget with the configured
//! timeout; its outcome is counted in the statistics, never retried (the real service's retry
//! policy is undocumented).

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::broadcast;
use uuid::Uuid;

use crate::app::{AppState, lock};
use crate::models::inbox::MessageAvailableNotification;
use crate::state::inboxes::Notice;
use crate::stats::bump;

/// Per-inbox broadcast channels feeding the SSE streams.
#[derive(Debug, Default)]
pub(crate) struct NotifyHub {
    channels: Mutex<HashMap<Uuid, broadcast::Sender<u64>>>,
}

impl NotifyHub {
    /// Subscribes to an inbox's arrivals (message counts).
    pub(crate) fn subscribe(&self, inbox: Uuid) -> broadcast::Receiver<u64> {
        lock(&self.channels)
            .entry(inbox)
            .or_insert_with(|| broadcast::channel(256).0)
            .subscribe()
    }

    /// Signals `count` new messages; drops the channel when nobody listens any more.
    pub(crate) fn publish(&self, inbox: Uuid, count: u64) {
        let mut channels = lock(&self.channels);
        if let Some(tx) = channels.get(&inbox)
            && tx.send(count).is_err()
        {
            channels.remove(&inbox);
        }
    }
}

/// Publishes notices to SSE subscribers and POSTs `notification_url`s in the background.
pub(crate) fn announce(state: &AppState, notices: Vec<Notice>) {
    for notice in notices {
        state.0.hub.publish(notice.inbox_id, notice.count);
        let Some(url) = notice.notification_url else {
            continue;
        };
        // Checked at subscription time already; checked again in case that check changes.
        let Ok(url) = crate::guard::check_fetch_target(&url) else {
            bump(&state.0.stats.notifications_failed);
            continue;
        };
        // Outside a runtime (a synchronous control helper) there is nobody to run the POST.
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            continue;
        };
        let state = state.clone();
        let body = MessageAvailableNotification {
            inbox_id: notice.inbox_id,
            received_message_count: notice.count,
            redelivery: false,
        };
        rt.spawn(async move {
            let ok = match state
                .0
                .http
                .post(url)
                .header(crate::guard::FETCH_MARKER, "notification")
                .json(&body)
                .send()
                .await
            {
                Ok(resp) => resp.status().is_success(),
                Err(_) => false,
            };
            bump(if ok {
                &state.0.stats.notifications_sent
            } else {
                &state.0.stats.notifications_failed
            });
        });
    }
}
