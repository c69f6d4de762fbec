//! Comparing an existing inbox's subscription with its declaration.

use std::fmt;

use serde::Serialize;

use crate::Subscription;

/// A part of an existing inbox's subscription that differs from its declaration.
///
/// ```
/// use zapier_embed::apply::Difference;
///
/// assert_eq!(Difference::Inputs.to_string(), "inputs");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Difference {
    /// The app (compared without its `@version`, case-insensitively).
    App,
    /// The trigger key.
    Trigger,
    /// The connection.
    Connection,
    /// The inputs, after validation filled in the declared inputs' defaults.
    Inputs,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Difference::App => "app",
            Difference::Trigger => "trigger",
            Difference::Connection => "connection",
            Difference::Inputs => "inputs",
        })
    }
}

/// The part of an app key before `@version`.
fn unversioned(app: &str) -> &str {
    app.split_once('@').map_or(app, |(key, _)| key)
}

/// Which parts of the stored subscription differ from the declared one; `app_keys` are the names
/// the declared app may be stored under.
pub(super) fn differences(
    stored: &Subscription,
    declared: &Subscription,
    app_keys: &[String],
) -> Vec<Difference> {
    let mut out = Vec::new();
    let stored_app = unversioned(&stored.app);
    if !app_keys
        .iter()
        .any(|k| unversioned(k).eq_ignore_ascii_case(stored_app))
    {
        out.push(Difference::App);
    }
    if stored.trigger != declared.trigger {
        out.push(Difference::Trigger);
    }
    let connection = |s: &Subscription| s.connection.as_ref().map(ToString::to_string);
    if connection(stored) != connection(declared) {
        out.push(Difference::Connection);
    }
    if stored.inputs != declared.inputs {
        out.push(Difference::Inputs);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_ignore_the_app_version() {
        let stored = Subscription::new("SlackCLIAPI@1.0.0", "channel_message")
            .with_connection("c1")
            .with_input("channel", "C1");
        let same = Subscription::new("slack", "channel_message")
            .with_connection("c1")
            .with_input("channel", "C1");
        let keys = vec!["slack".to_owned(), "SlackCLIAPI".to_owned()];
        assert!(differences(&stored, &same, &keys).is_empty());
        let other = Subscription::new("slack", "mention")
            .with_connection("c2")
            .with_input("channel", "C2");
        assert_eq!(
            differences(&stored, &other, &keys),
            vec![
                Difference::Trigger,
                Difference::Connection,
                Difference::Inputs
            ]
        );
        assert_eq!(
            differences(&stored, &same, &["webhook".to_owned()]),
            vec![Difference::App]
        );
    }
}
