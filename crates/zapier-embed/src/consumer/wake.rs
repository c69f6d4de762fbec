//! Wake-ups from outside the runtime: a notification-URL receiver tells the runtime that an inbox
//! has messages, so it leases at once instead of waiting out its idle backoff.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// Wakes a running consumer's inboxes; cheap to clone. Get one from
/// [`ConsumerBuilder::wake_handle`](super::ConsumerBuilder::wake_handle) and call it from the
/// handler of your `notification_url` (or mount [`webhook_router`](super::webhook_router) with the
/// `webhook` feature).
///
/// A missed wake-up never stalls the consumer: idle inboxes are still polled at the idle ceiling.
///
/// ```
/// # fn demo(builder: &zapier_embed::consumer::ConsumerBuilder) {
/// let wake = builder.wake_handle();
/// let woken = wake.wake_all();
/// # let _ = woken;
/// # }
/// ```
#[derive(Clone)]
pub struct WakeHandle {
    inboxes: Arc<Vec<(String, Arc<AtomicBool>)>>,
    notify: Arc<Notify>,
}

impl WakeHandle {
    pub(crate) fn new(inboxes: Vec<(String, Arc<AtomicBool>)>, notify: Arc<Notify>) -> Self {
        WakeHandle {
            inboxes: Arc::new(inboxes),
            notify,
        }
    }

    /// Wakes the inbox whose id or name is `inbox` (case-insensitive); wakes every inbox when none
    /// matches, since an unknown id most likely names an inbox this runtime knows by name.
    /// Returns how many inboxes were woken.
    ///
    /// ```
    /// # fn on_notification(wake: &zapier_embed::consumer::WakeHandle, inbox_id: &str) {
    /// wake.wake(inbox_id);
    /// # }
    /// ```
    pub fn wake(&self, inbox: &str) -> usize {
        let mut woken = 0;
        for (label, flag) in self.inboxes.iter() {
            if label.eq_ignore_ascii_case(inbox) {
                flag.store(true, Ordering::Relaxed);
                woken += 1;
            }
        }
        if woken == 0 {
            woken = self.wake_all();
        } else {
            self.notify.notify_one();
        }
        woken
    }

    /// Wakes every inbox.
    ///
    /// ```
    /// # fn on_anything(wake: &zapier_embed::consumer::WakeHandle) {
    /// wake.wake_all();
    /// # }
    /// ```
    pub fn wake_all(&self) -> usize {
        for (_, flag) in self.inboxes.iter() {
            flag.store(true, Ordering::Relaxed);
        }
        self.notify.notify_one();
        self.inboxes.len()
    }
}

impl std::fmt::Debug for WakeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WakeHandle")
            .field(
                "inboxes",
                &self.inboxes.iter().map(|(l, _)| l).collect::<Vec<_>>(),
            )
            .finish()
    }
}
