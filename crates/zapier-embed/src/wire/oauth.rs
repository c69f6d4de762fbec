//! The OAuth token endpoint.

use super::*;
use zapier_embed_api::oauth;

/// The fields of one token request (a subset is used per grant). Secrets stay in redacting
/// types until the generated body is built, right before sending.
#[derive(Clone, Default)]
pub(crate) struct TokenForm {
    pub(crate) grant_type: &'static str,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<ClientSecret>,
    pub(crate) scope: Option<String>,
    pub(crate) subject_token: Option<AccessToken>,
    pub(crate) subject_token_type: Option<&'static str>,
    pub(crate) requested_token_type: Option<&'static str>,
    pub(crate) resource: Option<String>,
}

/// A token answer: the token and its lifetime, if given.
pub(crate) struct Grant {
    pub(crate) access_token: AccessToken,
    pub(crate) expires_in: Option<Duration>,
}

pub(crate) async fn oauth_token(
    api: Api,
    op: &Operation,
    form: TokenForm,
) -> Result<Grant, Failure> {
    let secrets = api.transport.config.secrets.clone();
    if let Some(secret) = &form.client_secret {
        secrets.remember(secret.expose_secret());
    }
    if let Some(subject) = &form.subject_token {
        secrets.remember(subject.expose_secret());
    }
    let body = oauth::types::TokenRequest {
        audience: None,
        client_id: form.client_id,
        client_secret: form.client_secret.map(|s| s.expose_secret().to_owned()),
        grant_type: form.grant_type.to_owned(),
        requested_token_type: form.requested_token_type.map(str::to_owned),
        resource: form.resource,
        scope: form.scope,
        subject_token: form.subject_token.map(|t| t.expose_secret().to_owned()),
        subject_token_type: form.subject_token_type.map(str::to_owned),
    };
    let answer = api
        .send(op, |c: oauth::Client| async move {
            c.oauth_token().body(body).send().await
        })
        .await?;
    // Straight into the redacting type: the generated struct derives a revealing Debug.
    let (_, token): (_, oauth::types::TokenResponse) = answer.json(op).await?;
    secrets.remember(&token.access_token);
    Ok(Grant {
        access_token: AccessToken::new(token.access_token),
        expires_in: token
            .expires_in
            .and_then(|s| u64::try_from(s).ok())
            .map(Duration::from_secs),
    })
}
