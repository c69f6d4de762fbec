//! The credentials this client has handled, so that an error can be scrubbed of them even when a
//! server echoes one back in free text (a `detail`, an HTML page, a reflected form).
//!
//! Pattern-based scrubbing (the domain's `redact_text`: `Bearer …`, `client_secret=…`, URL
//! queries and userinfo) catches credentials by their shape; this registry catches them by their
//! value. Every error leaving [`Transport::call`](crate::call::Transport::call), and every log
//! line it writes, goes through [`KnownSecrets::redact`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// How many values are remembered; the oldest is forgotten first (a token refreshed hourly
/// stays known for days).
const CAPACITY: usize = 256;

/// A bounded, shared set of secret values (client secret, access tokens, connect tokens, JWT
/// assertions), zeroized when forgotten.
#[derive(Clone, Default)]
pub(crate) struct KnownSecrets(Arc<Mutex<VecDeque<SecretString>>>);

impl KnownSecrets {
    /// Remembers `value` (values too short to scrub safely are ignored by the redaction).
    pub(crate) fn remember(&self, value: &str) {
        if value.is_empty() {
            return;
        }
        let mut known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = known.iter().position(|s| s.expose_secret() == value) {
            // Most recently used last, so a long-lived secret is not the one forgotten.
            if let Some(secret) = known.remove(at) {
                known.push_back(secret);
            }
            return;
        }
        if known.len() >= CAPACITY {
            known.pop_front();
        }
        known.push_back(SecretString::from(value.to_owned()));
    }

    /// Replaces every known value in every text `error` carries.
    pub(crate) fn redact(&self, error: &mut Error) {
        let known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let values: Vec<&str> = known.iter().map(|s| s.expose_secret()).collect();
        error.redact_secrets(&values);
    }
}

impl std::fmt::Debug for KnownSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.0.lock().map_or(0, |k| k.len());
        write!(f, "KnownSecrets({count} values)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_values_are_scrubbed_and_the_set_stays_bounded() {
        let secrets = KnownSecrets::default();
        secrets.remember("the-client-secret");
        for n in 0..(CAPACITY + 10) {
            secrets.remember(&format!("token-{n:05}"));
            secrets.remember("the-client-secret");
        }
        let mut err = Error::decode("x", "echo the-client-secret and token-00265");
        secrets.redact(&mut err);
        let text = err.to_string();
        assert!(!text.contains("the-client-secret"), "{text}");
        assert!(!text.contains("token-00265"), "{text}");
        assert_eq!(secrets.0.lock().map(|k| k.len()).ok(), Some(CAPACITY));
    }
}
