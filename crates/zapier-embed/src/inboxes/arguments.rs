//! Checks of an inbox call's arguments, made before any request, and the refusal of an
//! operation the configured variant lacks.

use crate::wire::NewInbox;
use crate::{Error, ErrorContext, FieldError, FieldProblem, InboxName, Subscription};

/// The longest `notification_url` the API accepts.
const MAX_NOTIFICATION_URL_CHARS: usize = 2048;

/// An operation the configured variant lacks, refused before sending.
pub(crate) fn unsupported(operation: &'static str, why: &str) -> Error {
    Error::Configuration {
        context: Box::new(ErrorContext::new(operation).with_detail(why)),
    }
}

pub(super) fn valid_name(operation: &'static str, name: &str) -> Result<InboxName, Error> {
    InboxName::new(name).map_err(|e| {
        Error::validation(
            operation,
            vec![FieldError::new(
                "name",
                FieldProblem::Invalid(e.to_string()),
            )],
        )
    })
}

pub(super) fn valid_url<'a>(
    operation: &'static str,
    url: Option<&'a str>,
) -> Result<Option<&'a str>, Error> {
    let Some(raw) = url else { return Ok(None) };
    let problem = if raw.chars().count() > MAX_NOTIFICATION_URL_CHARS {
        Some(format!(
            "longer than {MAX_NOTIFICATION_URL_CHARS} characters"
        ))
    } else {
        match url::Url::parse(raw) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => None,
            Ok(_) => Some("must be an absolute http(s) URL".to_owned()),
            Err(e) => Some(format!("not a URL: {e}")),
        }
    };
    match problem {
        Some(why) => Err(Error::validation(
            operation,
            vec![FieldError::new(
                "notification_url",
                FieldProblem::Invalid(why),
            )],
        )),
        None => Ok(Some(raw)),
    }
}

/// An inbox to create or ensure, its URL and subscription keys checked under `operation`.
pub(super) fn new_inbox<'a, N>(
    operation: &'static str,
    name: N,
    subscription: &'a Subscription,
    notification_url: Option<&'a str>,
) -> Result<NewInbox<'a, N>, Error> {
    let notification_url = valid_url(operation, notification_url)?;
    crate::checks::require_subscription_keys(operation, subscription)?;
    Ok(NewInbox {
        name,
        subscription,
        notification_url,
    })
}
