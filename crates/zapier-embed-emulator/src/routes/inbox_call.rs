//! [`InboxCall`]: what every route on one inbox is called with, in either variant. The path names
//! the inbox (variant A by id, variant B by name), a token names the caller, and the route may
//! read a body or a query besides.

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::inbox_operations::CallerInbox;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

/// A call on one inbox: the state, the authenticated caller, the inbox's key from the path (the
/// `{id}` / `{inbox_id}` of variant A, the `{name}` of variant B), and the `input` the route reads
/// besides (an [`crate::extract::ApiJson`] body, a query; `()` for nothing).
///
/// Extracted in the order the answers depend on: the path, then the caller (`401` before
/// anything else is looked at), then the input (a malformed body or query is refused before the
/// inbox is looked up). The key is only checked when the handler asks for the inbox
/// ([`InboxCall::by_id`], [`InboxCall::by_name`]), after what it validates first.
pub(crate) struct InboxCall<T = ()> {
    pub(crate) state: AppState,
    pub(crate) caller: Caller,
    /// The path's inbox id (variant A) or name (variant B), as sent: [`InboxCall::by_id`] and
    /// [`InboxCall::by_name`] check it.
    pub(crate) key: String,
    pub(crate) input: T,
}

impl<T> InboxCall<T> {
    /// Variant A: the inbox whose id is in the path; one that is not a UUID names no inbox
    /// (`404`). Whether the caller has an inbox of that id is for the operation to find.
    pub(crate) fn by_id(&self) -> ApiResult<CallerInbox<'_>> {
        Ok(self.inbox(parse_inbox_id(&self.key)?))
    }

    /// Variant B: the caller's inbox named in the path (`404` when there is none).
    pub(crate) fn by_name(&self) -> ApiResult<CallerInbox<'_>> {
        let id =
            self.state
                .store()
                .inbox_id_by_name(self.caller.user, &self.key, self.state.now())?;
        Ok(self.inbox(id))
    }

    fn inbox(&self, id: Uuid) -> CallerInbox<'_> {
        CallerInbox {
            state: &self.state,
            caller: &self.caller,
            id,
        }
    }
}

/// A variant-A inbox id; anything but a UUID is an unknown inbox (`404`).
pub(crate) fn parse_inbox_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::try_parse(raw).map_err(|_| ApiError::not_found(format!("No inbox with id {raw}.")))
}

impl<T, M> FromRequest<AppState, M> for InboxCall<T>
where
    T: FromRequest<AppState, M>,
    T::Rejection: IntoResponse,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Path(key) = Path::<String>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let caller = Caller::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let input = T::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self {
            state: state.clone(),
            caller,
            key,
            input,
        })
    }
}
