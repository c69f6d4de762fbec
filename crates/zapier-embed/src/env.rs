//! Configuration from environment variables.

use crate::auth::PlaceholderClient;
use crate::client::ClientBuilder;
use crate::{ApiVariant, Error};

/// A fixed access token.
///
/// ```
/// assert_eq!(zapier_embed::client::ENV_ACCESS_TOKEN, "ZAPIER_ACCESS_TOKEN");
/// ```
pub const ENV_ACCESS_TOKEN: &str = "ZAPIER_ACCESS_TOKEN";
/// Client id of the client-credentials grant.
///
/// ```
/// assert_eq!(zapier_embed::client::ENV_CLIENT_ID, "ZAPIER_CLIENT_ID");
/// ```
pub const ENV_CLIENT_ID: &str = "ZAPIER_CLIENT_ID";
/// Client secret of the client-credentials grant.
///
/// ```
/// assert_eq!(zapier_embed::client::ENV_CLIENT_SECRET, "ZAPIER_CLIENT_SECRET");
/// ```
pub const ENV_CLIENT_SECRET: &str = "ZAPIER_CLIENT_SECRET";
/// API base URL.
///
/// ```
/// assert_eq!(zapier_embed::client::ENV_API_URL, "ZAPIER_API_URL");
/// ```
pub const ENV_API_URL: &str = "ZAPIER_API_URL";
/// Token endpoint base URL.
///
/// ```
/// assert_eq!(zapier_embed::client::ENV_AUTH_URL, "ZAPIER_AUTH_URL");
/// ```
pub const ENV_AUTH_URL: &str = "ZAPIER_AUTH_URL";
/// `host:port` (or URL) of an emulator; points every URL at it.
///
/// ```
/// assert_eq!(zapier_embed::client::ENV_EMULATOR_HOST, "ZAPIER_EMULATOR_HOST");
/// ```
pub const ENV_EMULATOR_HOST: &str = "ZAPIER_EMULATOR_HOST";
/// `by-id` or `by-name`.
///
/// ```
/// assert_eq!(zapier_embed::client::ENV_API_VARIANT, "ZAPIER_API_VARIANT");
/// ```
pub const ENV_API_VARIANT: &str = "ZAPIER_API_VARIANT";

impl ClientBuilder {
    /// A builder configured from the process environment; see
    /// [`from_env_with`](ClientBuilder::from_env_with).
    ///
    /// ```no_run
    /// let client = zapier_embed::ClientBuilder::from_env()?
    ///     .user_agent("my-app/1.0")
    ///     .build()?;
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn from_env() -> Result<ClientBuilder, Error> {
        Self::from_env_with(|key| std::env::var(key).ok())
    }

    /// A builder configured from variables read through `lookup` (empty values count as
    /// unset):
    ///
    /// | variable | effect |
    /// |---|---|
    /// | `ZAPIER_EMULATOR_HOST` | `host:port` or URL of an emulator: API, token and Connect URLs all point at it (`http://` unless a scheme is given), like `PUBSUB_EMULATOR_HOST` |
    /// | `ZAPIER_API_URL` | API base URL (wins over the emulator host) |
    /// | `ZAPIER_AUTH_URL` | token endpoint base URL (wins over the emulator host) |
    /// | `ZAPIER_API_VARIANT` | `by-id` (default) or `by-name` |
    /// | `ZAPIER_ACCESS_TOKEN` | a fixed token (wins over client credentials) |
    /// | `ZAPIER_CLIENT_ID`, `ZAPIER_CLIENT_SECRET` | the client-credentials grant (both or neither) |
    ///
    /// Without any credentials, an emulator configuration uses placeholder client credentials
    /// (the emulator accepts any client by default; when one started with fixed clients refuses
    /// them, calls fail with [`Error::MissingCredentials`] naming these variables); otherwise
    /// it is an error naming the variables.
    ///
    /// ```
    /// use zapier_embed::ClientBuilder;
    /// let vars = [("ZAPIER_CLIENT_ID", "id"), ("ZAPIER_CLIENT_SECRET", "s3cret")];
    /// let client = ClientBuilder::from_env_with(|key| {
    ///     vars.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
    /// })?
    /// .build()?;
    /// assert_eq!(client.api_url(), "https://api.zapier.com");
    ///
    /// let err = ClientBuilder::from_env_with(|key| (key == "ZAPIER_CLIENT_ID").then(|| "id".into()))
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("ZAPIER_CLIENT_SECRET"));
    /// # Ok::<(), zapier_embed::Error>(())
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        let var = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut builder = ClientBuilder::default();

        let emulator = var(ENV_EMULATOR_HOST).map(|host| emulator_url(&host));
        if let Some(url) = &emulator {
            builder = builder
                .api_url(url.clone())
                .auth_url(url.clone())
                .connect_url(url.clone());
        }
        if let Some(url) = var(ENV_API_URL) {
            builder = builder.api_url(url);
        }
        if let Some(url) = var(ENV_AUTH_URL) {
            builder = builder.auth_url(url);
        }
        if let Some(raw) = var(ENV_API_VARIANT) {
            let variant: ApiVariant = raw
                .parse()
                .map_err(|e| Error::configuration(format!("{ENV_API_VARIANT}: {e}")))?;
            builder = builder.variant(variant);
        }

        let token = var(ENV_ACCESS_TOKEN);
        let id = var(ENV_CLIENT_ID);
        let secret = var(ENV_CLIENT_SECRET);
        builder = match (token, id, secret) {
            (Some(token), _, _) => builder.access_token(token),
            (None, Some(id), Some(secret)) => builder.client_credentials(id, secret),
            (None, Some(_), None) => {
                return Err(Error::configuration(format!(
                    "{ENV_CLIENT_ID} is set but {ENV_CLIENT_SECRET} is not"
                )));
            }
            (None, None, Some(_)) => {
                return Err(Error::configuration(format!(
                    "{ENV_CLIENT_SECRET} is set but {ENV_CLIENT_ID} is not"
                )));
            }
            (None, None, None) if emulator.is_some() => {
                builder.token_source(PlaceholderClient::new())
            }
            (None, None, None) => {
                return Err(Error::configuration(format!(
                    "no credentials: set {ENV_ACCESS_TOKEN}, or {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}"
                )));
            }
        };
        Ok(builder)
    }
}

/// `host:port` → `http://host:port`; a value with a scheme is used as is.
fn emulator_url(raw: &str) -> String {
    if raw.contains("://") {
        raw.to_owned()
    } else {
        format!("http://{raw}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn emulator_host_points_everything_at_the_emulator() {
        let client =
            ClientBuilder::from_env_with(env(&[("ZAPIER_EMULATOR_HOST", "127.0.0.1:9630")]))
                .and_then(ClientBuilder::build)
                .unwrap_or_else(|e| panic!("{e}"));
        let debug = format!("{client:?}");
        assert!(
            debug.contains("api_url: \"http://127.0.0.1:9630\""),
            "{debug}"
        );
        assert!(
            debug.contains("auth_url: \"http://127.0.0.1:9630\""),
            "{debug}"
        );
        assert!(debug.contains("client-credentials"), "{debug}");
    }

    #[test]
    fn explicit_urls_win_and_variant_is_parsed() {
        let client = ClientBuilder::from_env_with(env(&[
            ("ZAPIER_EMULATOR_HOST", "http://localhost:1"),
            ("ZAPIER_API_URL", "https://api.example.com"),
            ("ZAPIER_API_VARIANT", "by-name"),
            ("ZAPIER_ACCESS_TOKEN", "tok"),
        ]))
        .and_then(ClientBuilder::build)
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(client.api_url(), "https://api.example.com");
        assert_eq!(client.variant(), ApiVariant::ByName);
        assert!(format!("{client:?}").contains("static"));
    }

    #[test]
    fn bad_or_missing_values_are_named() {
        let err = ClientBuilder::from_env_with(env(&[
            ("ZAPIER_API_VARIANT", "c"),
            ("ZAPIER_ACCESS_TOKEN", "t"),
        ]))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("ZAPIER_API_VARIANT"), "{err}");
        let err = ClientBuilder::from_env_with(env(&[("ZAPIER_CLIENT_SECRET", "s")]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("ZAPIER_CLIENT_ID") && !err.contains("s\""),
            "{err}"
        );
        let err = ClientBuilder::from_env_with(env(&[("ZAPIER_ACCESS_TOKEN", "  ")]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("no credentials"), "{err}");
    }
}
