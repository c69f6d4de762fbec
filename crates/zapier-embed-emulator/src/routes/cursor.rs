//! Opaque page cursors of the message lists: `a:SEQ` (after) or `b:SEQ` (before), base64url
//! without padding; anything else is a `400` naming the `cursor` parameter.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ApiError, ApiResult};
use crate::state::inboxes::Cursor;

/// The cursor of a page link; `None` for the first page.
pub(super) fn encode_cursor(c: Cursor) -> Option<String> {
    let raw = match c {
        Cursor::Start => return None,
        Cursor::After(s) => format!("a:{s}"),
        Cursor::Before(s) => format!("b:{s}"),
    };
    Some(URL_SAFE_NO_PAD.encode(raw))
}

pub(super) fn decode_cursor(raw: Option<&str>) -> ApiResult<Cursor> {
    let Some(raw) = raw else {
        return Ok(Cursor::Start);
    };
    let invalid = || ApiError::invalid_param("cursor", "cursor: invalid cursor.");
    let text = URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid)?;
    let (kind, seq) = text.split_once(':').ok_or_else(invalid)?;
    let seq: u64 = seq.parse().map_err(|_| invalid())?;
    match kind {
        "a" => Ok(Cursor::After(seq)),
        "b" => Ok(Cursor::Before(seq)),
        _ => Err(invalid()),
    }
}
