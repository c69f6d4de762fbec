//! Settling distinct handles of one lease (the common case: a caller acks what it leased, and
//! the consumer's settler acks each lease's batch): the ack or release requests are built
//! straight from the handles.
//!
//! The general plan accepts any mix of handles: it groups them by lease, parses every message
//! id once to build the request and again to read the answer, and finds each handle's request
//! by scanning. Handles of one lease need none of that: the ids are parsed once, the requests
//! are the handles' chunks in order, and each handle's outcome is read at its position. The
//! requests are the ones the general plan makes for such handles (same chunks, same order, same
//! bytes); handles of several leases take the general plan.

use std::collections::HashSet;

use uuid::Uuid;

use super::MAX_IDS_PER_REQUEST;
use super::report::answered;
use super::{AckHandle, AckOutcome, AckReport};
use super::{Messages, settle_operation, uuid_of, warn_expired};
use crate::wire::{Settle, SettleRequest};
use crate::{Error, InboxName, MessageId};

/// The requests' content of one lease's batch: its message ids (variant A) or lease tokens (B).
enum Planned {
    ById {
        inbox: Uuid,
        lease_id: Uuid,
        ids: Vec<Uuid>,
    },
    ByName {
        inbox: InboxName,
        tokens: Vec<String>,
    },
}

impl Planned {
    /// The batch's requests' content, or `None` when the handles are not all of one lease.
    /// A variant A message id that is not a uuid is refused here, before any request.
    fn of(operation: &'static str, handles: &[AckHandle]) -> Result<Option<Planned>, Error> {
        let Some(first) = handles.first() else {
            return Ok(None);
        };
        match first {
            AckHandle::ById {
                inbox, lease_id, ..
            } => {
                let mut ids = Vec::with_capacity(handles.len());
                for handle in handles {
                    match handle {
                        AckHandle::ById {
                            inbox: i,
                            lease_id: l,
                            message_id,
                        } if i == inbox && l == lease_id => {
                            ids.push(uuid_of(operation, message_id)?)
                        }
                        _ => return Ok(None),
                    }
                }
                Ok(Some(Planned::ById {
                    inbox: *inbox,
                    lease_id: *lease_id,
                    ids,
                }))
            }
            AckHandle::ByName { inbox, .. } => {
                let mut tokens = Vec::with_capacity(handles.len());
                for handle in handles {
                    match handle {
                        AckHandle::ByName {
                            inbox: i,
                            lease_token,
                        } if i == inbox => tokens.push(lease_token.clone()),
                        _ => return Ok(None),
                    }
                }
                Ok(Some(Planned::ByName {
                    inbox: inbox.clone(),
                    tokens,
                }))
            }
            // A handle of a later variant: the general path knows what to do with it.
            _ => Ok(None),
        }
    }

    fn len(&self) -> usize {
        match self {
            Planned::ById { ids, .. } => ids.len(),
            Planned::ByName { tokens, .. } => tokens.len(),
        }
    }

    /// The inbox as logs and errors name it.
    fn label(&self) -> String {
        match self {
            Planned::ById { inbox, .. } => inbox.hyphenated().to_string(),
            Planned::ByName { inbox, .. } => inbox.to_string(),
        }
    }

    /// The request for the messages at `range`.
    fn request(&self, range: std::ops::Range<usize>) -> SettleRequest {
        match self {
            Planned::ById {
                inbox,
                lease_id,
                ids,
            } => SettleRequest::ById {
                inbox: *inbox,
                lease_id: *lease_id,
                message_ids: Some(ids[range].to_vec()),
            },
            Planned::ByName { inbox, tokens } => SettleRequest::ByName {
                inbox: inbox.clone(),
                lease_tokens: tokens[range].to_vec(),
            },
        }
    }

    /// Whether the answer lists the message at `index` (variant A), read through `listed`, the
    /// answer's ids; `None` in variant B, whose answer lists ids, not tokens.
    fn listed(&self, listed: &HashSet<Uuid>, index: usize) -> Option<bool> {
        match self {
            Planned::ById { ids, .. } => Some(listed.contains(&ids[index])),
            Planned::ByName { .. } => None,
        }
    }
}

impl Messages {
    /// Acks or releases `handles`, distinct and all of one lease, in the fewest requests: one
    /// outcome per handle, in the order given. `None` (nothing sent) when they are not all of
    /// one lease: the general plan settles them. A variant A message id that is not a uuid is
    /// refused before any request.
    pub(super) async fn settle_one_lease(
        &self,
        settle: Settle,
        handles: Vec<AckHandle>,
    ) -> Result<Result<AckReport, Vec<AckHandle>>, Error> {
        let operation = settle_operation(settle);
        let Some(planned) = Planned::of(operation, &handles)? else {
            return Ok(Err(handles));
        };
        let label = planned.label();
        let total = planned.len();
        let mut report = AckReport {
            outcomes: Vec::with_capacity(total),
            requests: 0,
        };
        let mut handles = handles.into_iter();
        for start in (0..total).step_by(MAX_IDS_PER_REQUEST) {
            let end = (start + MAX_IDS_PER_REQUEST).min(total);
            report.requests += 1;
            let answer = self
                .client
                .inner
                .inbox_api
                .settle(&self.client, planned.request(start..end), settle, &label)
                .await;
            let chunk = handles.by_ref().take(end - start);
            match answer {
                Ok(settled) => {
                    let listed: HashSet<Uuid> = match planned {
                        Planned::ById { .. } => settled
                            .message_ids
                            .iter()
                            .filter_map(MessageId::as_uuid)
                            .collect(),
                        Planned::ByName { .. } => HashSet::new(),
                    };
                    for (index, handle) in (start..end).zip(chunk) {
                        let listed = planned.listed(&listed, index);
                        let sent = Some(end - start);
                        let outcome = answered(settle, &settled, listed, sent);
                        report.outcomes.push((handle, outcome));
                    }
                }
                Err(Error::LeaseExpired { .. }) => {
                    warn_expired(&label, end - start, operation);
                    report
                        .outcomes
                        .extend(chunk.map(|handle| (handle, AckOutcome::LeaseExpired)));
                }
                Err(err) => return Err(err),
            }
        }
        Ok(Ok(report))
    }
}
