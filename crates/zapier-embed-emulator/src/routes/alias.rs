//! Routes Zapier serves at two paths (with and without a trailing slash): the handler is written
//! once and [`with_alias!`] declares it at both, each path with its own entry in the OpenAPI
//! document, as Zapier's API documents list them.
//!
//! utoipa documents one path per annotated function, so the macro emits two functions from one
//! definition: the canonical one, annotated as written, and the alias, annotated with the same
//! specification at the alias's path, with the canonical operation id plus `_trailing_slash`
//! (`super::SLASH_SUFFIX`, which fault rules strip to match both) and the alias's own doc comment
//! as its summary. Both go into the router with `routes!`.

/// Declares `$name` (annotated as written) and `$alias` (the same handler, documented at
/// `$alias_path` with the operation id `<operation_id>_trailing_slash`).
///
/// ```text
/// with_alias! {
///     /// List an app's triggers.
///     #[utoipa::path(get, path = "/triggers", operation_id = "listTriggers", ...)]
///     async fn list_triggers(q: ApiQuery<TriggersQuery>) -> ApiResult<Json<TriggerList>> { ... }
///     /// List an app's triggers (trailing-slash form).
///     alias list_triggers_slash at "/triggers/";
/// }
/// ```
macro_rules! with_alias {
    (
        $(#[doc = $doc:tt])*
        #[utoipa::path($method:ident, path = $path:tt, operation_id = $op:tt, $($spec:tt)*)]
        async fn $name:ident($($args:tt)*) -> $ret:ty $body:block
        $(#[doc = $alias_doc:tt])*
        alias $alias:ident at $alias_path:tt;
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path($method, path = $path, operation_id = $op, $($spec)*)]
        async fn $name($($args)*) -> $ret $body

        $(#[doc = $alias_doc])*
        #[utoipa::path($method, path = $alias_path, operation_id = concat!($op, "_trailing_slash"), $($spec)*)]
        async fn $alias($($args)*) -> $ret $body
    };
}

pub(crate) use with_alias;
