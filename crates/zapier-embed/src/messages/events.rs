//! The inbox's availability event stream (Server-Sent Events): wake-ups to lease on, with no
//! message content.

use std::collections::VecDeque;

use futures::stream::{self, Stream, StreamExt};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::sse::Parser;
use crate::wire::EventBytes;
use crate::wire::ops::EVENTS;
use crate::{Client, Error, InboxRef};

/// A wake-up from the inbox's event stream: `count` notifications (new messages) were
/// coalesced into this frame. It carries no message content: lease to get it.
///
/// ```
/// let event: zapier_embed::messages::InboxEvent =
///     serde_json::from_str(r#"{"inbox_id":"01960a3e-4d5f-7b8e-9c0a-1b2c3d4e5f6a","count":2}"#).unwrap();
/// assert_eq!(event.count, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboxEvent {
    /// The inbox.
    pub inbox_id: Uuid,
    /// Notifications coalesced into this frame (at least 1).
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// Opens the event stream of `inbox` (see [`Messages::events`](super::Messages::events)).
pub(super) fn stream(
    client: Client,
    inbox: InboxRef,
) -> impl Stream<Item = Result<InboxEvent, Error>> + Send + 'static {
    enum State {
        Connect(Client, InboxRef),
        Open {
            bytes: EventBytes,
            parser: Parser,
            pending: VecDeque<Result<InboxEvent, Error>>,
        },
        Done,
    }
    let start = State::Connect(client, inbox);
    stream::unfold(start, |mut state| async move {
        loop {
            state = match state {
                State::Done => return None,
                State::Connect(client, inbox) => {
                    let opened = client.inner.inbox_api.events(&client, &inbox).await;
                    let max_event = client.inner.transport.config.limits.max_sse_event_bytes;
                    match client.forget_on_not_found(&inbox, opened) {
                        Ok(bytes) => State::Open {
                            bytes,
                            parser: Parser::new(max_event),
                            pending: VecDeque::new(),
                        },
                        Err(err) => return Some((Err(err), State::Done)),
                    }
                }
                State::Open {
                    mut bytes,
                    mut parser,
                    mut pending,
                } => {
                    if let Some(item) = pending.pop_front() {
                        return Some((
                            item,
                            State::Open {
                                bytes,
                                parser,
                                pending,
                            },
                        ));
                    }
                    match bytes.next().await {
                        None => State::Done,
                        Some(Err(err)) => return Some((Err(err), State::Done)),
                        Some(Ok(chunk)) => match parser.push(&chunk) {
                            Ok(frames) => {
                                pending.extend(frames.into_iter().map(|frame| {
                                    serde_json::from_str::<InboxEvent>(&frame.data).map_err(|e| {
                                        Error::decode_body(
                                            EVENTS.name,
                                            200,
                                            e.to_string(),
                                            frame.data.as_bytes(),
                                        )
                                    })
                                }));
                                State::Open {
                                    bytes,
                                    parser,
                                    pending,
                                }
                            }
                            Err(_) => {
                                let err = Error::limit_exceeded(
                                    EVENTS.name,
                                    "max_sse_event_bytes",
                                    u64::try_from(parser.max_event_bytes()).unwrap_or(u64::MAX),
                                );
                                return Some((Err(err), State::Done));
                            }
                        },
                    }
                }
            };
        }
    })
}
