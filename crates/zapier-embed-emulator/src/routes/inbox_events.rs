//! The inbox notification stream (SSE): a `data: {"inbox_id","count"}` frame per notice, with
//! coalesced counts for a reader that lags, and `: keep-alive` comments that end the stream once
//! the token expired or the inbox is gone.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::Event;
use futures::Stream;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::models::inbox::InboxEventFrame;

/// What the stream of one subscriber holds.
pub(super) struct SseState {
    pub(super) rx: broadcast::Receiver<u64>,
    pub(super) state: AppState,
    pub(super) caller: Caller,
    pub(super) inbox: Uuid,
    pub(super) tick: Duration,
}

fn frame(inbox: Uuid, count: u64) -> Event {
    Event::default().data(
        serde_json::to_string(&InboxEventFrame {
            inbox_id: inbox,
            count,
        })
        .unwrap_or_default(),
    )
}

pub(super) fn sse_stream(st: SseState) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(st, |mut st| async move {
        tokio::select! {
            got = st.rx.recv() => match got {
                Ok(count) => Some((Ok(frame(st.inbox, count)), st)),
                // Coalesce what a slow reader missed into one frame rather than losing the signal.
                Err(broadcast::error::RecvError::Lagged(n)) => Some((Ok(frame(st.inbox, n)), st)),
                Err(broadcast::error::RecvError::Closed) => None,
            },
            () = tokio::time::sleep(st.tick) => {
                let now = st.state.now();
                let alive = {
                    let mut store = st.state.store();
                    store.users.authenticate(&st.caller.token, now).is_ok() && store.inbox(st.caller.user, st.inbox, now).is_ok()
                };
                // The stream ends when the token expires or the inbox is gone.
                alive.then(|| (Ok(Event::default().comment("keep-alive")), st))
            }
        }
    })
}
