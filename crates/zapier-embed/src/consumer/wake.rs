//! Wake-ups from outside the runtime: a notification-URL receiver, or the inbox's event stream
//! (SSE), tells the runtime that an inbox has messages, so it leases at once instead of waiting
//! out its idle backoff.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::backoff::Backoff;
use super::event::{self, ConsumerEvent, EventSink};
use super::lease_loop::InboxEntry;

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

/// Keeps an inbox's wake-up stream (SSE) connected; each frame makes the inbox due at once.
pub(crate) async fn watch_wakeups(
    entry: InboxEntry,
    wake: Arc<Notify>,
    events: Option<EventSink>,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(5));
    loop {
        let Some(mut stream) = entry.source.wakeups() else {
            return;
        };
        let error = loop {
            tokio::select! {
                item = stream.next() => match item {
                    Some(Ok(())) => {
                        backoff.reset();
                        entry.woken.store(true, Ordering::Relaxed);
                        wake.notify_one();
                    }
                    Some(Err(e)) => break Some(e),
                    None => break None,
                },
                _ = cancel.cancelled() => return,
            }
        };
        if let Some(error) = error {
            event::emit(
                &events,
                ConsumerEvent::WakeupStreamFailed {
                    inbox: entry.source.label().to_owned(),
                    error: error.to_string(),
                },
            );
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff.next()) => {}
            _ = cancel.cancelled() => return,
        }
    }
}
