//! Each variant of the Trigger Inbox API documents ack and release as two operations (own path,
//! operation id, body and answer types) that one settle function of the variant serves, told
//! which by a [`crate::queue::Settle`]. utoipa documents one operation per annotated function,
//! so [`settle_routes!`] declares the two handlers from one statement of what they share (tag,
//! path parameter, error answers, body extractor, settle function) and one line each of what
//! they do not. Both go into the router with `routes!`.

/// Declares one `POST` handler per listed operation, answering `200`/`201` with its answer type
/// besides the shared error answers, and calling `settle(call, how)` with the call's
/// [`super::inbox_call::InboxCall`] of the body extractor `body<Request>`.
///
/// ```text
/// settle_routes! {
///     shared {
///         tag = "Inbox Messages",
///         params = (("inbox_id" = Uuid, Path, description = "Inbox id")),
///         errors = ((status = 400, body = Errors), (status = 404, body = Errors)),
///         body = ApiJson,
///         settle = settle_lease
///     }
///     /// Acknowledge messages of a lease.
///     ack_messages at "/inboxes/{inbox_id}/messages/ack" as "acknowledgeTriggerInboxMessages"
///         (AckRequest => AckResponse) = Settle::Ack;
/// }
/// ```
macro_rules! settle_routes {
    (
        shared $shared:tt
        $(
            $(#[doc = $doc:tt])*
            $name:ident at $path:tt as $op:tt ($request:ident => $answer:ident) = $how:expr;
        )+
    ) => {
        $(settle_routes!(@route $shared $(#[doc = $doc])* $name $path $op $request $answer $how);)+
    };
    (
        @route {
            tag = $tag:tt,
            params = $params:tt,
            errors = ($($error:tt)*),
            body = $body:ident,
            settle = $settle:ident
        }
        $(#[doc = $doc:tt])* $name:ident $path:tt $op:tt $request:ident $answer:ident $how:expr
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(post, path = $path, operation_id = $op, tag = $tag,
            params $params,
            request_body = $request,
            responses((status = 200, body = $answer), (status = 201, body = $answer), $($error)*),
            security(("OAuth" = ["external"])))]
        async fn $name(call: InboxCall<$body<$request>>) -> ApiResult<Response> {
            $settle(call, $how)
        }
    };
}

pub(crate) use settle_routes;
