//! The placeholder client that stands in for missing credentials against an emulator.

use super::{ClientCredentials, TokenEndpoint, TokenFuture, TokenSource};
use crate::Error;
use crate::env::{ENV_ACCESS_TOKEN, ENV_CLIENT_ID, ENV_CLIENT_SECRET};

/// The client id and secret sent when none are configured: an emulator accepts any client
/// unless it was started with fixed ones (like the Pub/Sub emulator needs no credentials).
const PLACEHOLDER_CLIENT: &str = "zapier-embed-emulator";

/// The client-credentials grant with [`PLACEHOLDER_CLIENT`], for a configuration that names an
/// emulator and no credentials. When the token endpoint refuses it (an emulator started with
/// `--client ID:SECRET`), the error is [`Error::MissingCredentials`] naming the variables to
/// set, not the server's "unknown client" about a client the user never gave.
pub(crate) struct PlaceholderClient(ClientCredentials);

impl PlaceholderClient {
    pub(crate) fn new() -> Self {
        PlaceholderClient(ClientCredentials::new(
            PLACEHOLDER_CLIENT,
            PLACEHOLDER_CLIENT,
        ))
    }
}

impl TokenSource for PlaceholderClient {
    fn fetch<'a>(&'a self, endpoint: &'a TokenEndpoint) -> TokenFuture<'a> {
        Box::pin(async move {
            self.0.fetch(endpoint).await.map_err(|err| match err {
                Error::AuthenticationFailed { mut context } => {
                    context.set_detail(format!(
                        "{} refused the placeholder client used without credentials: set \
                         {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} to a client it accepts (an \
                         emulator started with --client ID:SECRET accepts only those), or \
                         {ENV_ACCESS_TOKEN} to a token it issued",
                        endpoint.url()
                    ));
                    Error::MissingCredentials { context }
                }
                other => other,
            })
        })
    }

    fn kind(&self) -> &'static str {
        self.0.kind()
    }
}
