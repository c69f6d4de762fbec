//! The keys that verify callback signatures: given, or fetched from a JWKS URL and cached.

use super::*;

/// Where the verification keys come from.
pub(super) enum Keys {
    /// Given by the user; never refetched.
    Fixed(JwkSet),
    /// Fetched from a URL, cached.
    Fetched(Fetcher),
}

/// A key set fetched from a URL, cached (see [`CallbackReceiverBuilder::jwks_url`]).
pub(super) struct Fetcher {
    pub(super) url: url::Url,
    pub(super) http: reqwest::Client,
    pub(super) max_bytes: usize,
    pub(super) cache: tokio::sync::Mutex<Option<(JwkSet, Instant)>>,
}

impl Fetcher {
    /// The key set, fetched again when stale or (at most once a minute) when it lacks `kid`.
    async fn keys(&self, kid: Option<&str>) -> Result<JwkSet, StatusCode> {
        let mut cache = self.cache.lock().await;
        if let Some((set, at)) = cache.as_ref() {
            let fresh = at.elapsed() < JWKS_TTL;
            let knows = kid.is_none_or(|k| set.find(k).is_some());
            if fresh && (knows || at.elapsed() < JWKS_REFETCH_MIN) {
                return Ok(set.clone());
            }
        }
        match self.fetch().await {
            Ok(set) => {
                *cache = Some((set.clone(), Instant::now()));
                Ok(set)
            }
            Err(why) => {
                tracing::warn!(url = %self.url, error = %why, "cannot fetch the callback key set");
                // A stale set still verifies what it knows; without one, ask Zapier to retry.
                cache
                    .as_ref()
                    .map(|(set, _)| set.clone())
                    .ok_or(StatusCode::SERVICE_UNAVAILABLE)
            }
        }
    }

    async fn fetch(&self) -> Result<JwkSet, String> {
        let work = async {
            let response = self
                .http
                .get(self.url.clone())
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("status {}", response.status().as_u16()));
            }
            let body = wire::read_at_most(response, self.max_bytes)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("larger than {} bytes", self.max_bytes))?;
            serde_json::from_slice::<JwkSet>(&body).map_err(|e| format!("not a JWK set: {e}"))
        };
        tokio::time::timeout(JWKS_FETCH_TIMEOUT, work)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {JWKS_FETCH_TIMEOUT:?}")))
    }
}

impl Keys {
    /// Checks the callback signature `token`: an RS256 JWT with `exp`, signed by a key of the set.
    pub(super) async fn verify(&self, token: &str) -> Result<(), StatusCode> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| StatusCode::UNAUTHORIZED)?;
        if header.alg != Algorithm::RS256 {
            return Err(StatusCode::UNAUTHORIZED);
        }
        let set = match self {
            Keys::Fixed(set) => set.clone(),
            Keys::Fetched(fetcher) => fetcher.keys(header.kid.as_deref()).await?,
        };
        let candidates: Vec<_> = match header.kid.as_deref() {
            Some(kid) => set.find(kid).into_iter().collect(),
            // Without a key id, any key of the set may have signed it.
            None => set.keys.iter().collect(),
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        validation.leeway = LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp"]);
        let verified = candidates.into_iter().any(|jwk| {
            DecodingKey::from_jwk(jwk).is_ok_and(|key| {
                jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).is_ok()
            })
        });
        if verified {
            Ok(())
        } else {
            Err(StatusCode::UNAUTHORIZED)
        }
    }
}
