//! A multi-tenant worker: one client per end user of a White Label integration, each with its own
//! token (a partner JWT exchanged for the user's access token), and one consumer runtime serving
//! every user's inbox with one shared concurrency limit.
//!
//! ```sh
//! ZAPIER_EMULATOR_HOST=127.0.0.1:8080 ZAPIER_CLIENT_ID=partner ZAPIER_CLIENT_SECRET=s3cret \
//!     PARTNER_KEY_FILE=partner-key.pem cargo run -p zapier-embed --features consumer --example multi_tenant -- alice bob
//! ```
//!
//! `PARTNER_KEY_FILE` is the partner's ES256 private key (PKCS#8 PEM) whose public half is in the
//! JWKS registered with Zapier. The emulator does not check the partner's signature, so any P-256
//! key will do there: `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out
//! partner-key.pem`. The worker ensures one inbox per user and consumes them until Ctrl-C, then
//! prints how many messages each inbox yielded; `zembed emulator emit --app slack --trigger
//! channel_message --input channel=C0123ABC456 --payload '{"text":"hi"}'` gives every user's inbox
//! one. A test runs `ensure_inboxes` and `consume` against the emulator.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tokio_util::sync::CancellationToken;
use zapier_embed::auth::{AccessToken, PartnerJwtExchange};
use zapier_embed::consumer::{Consumer, ShutdownReport};
use zapier_embed::{Client, Error, InboxRef, Subscription};

/// The partner's side of the token exchange: signs a short-lived JWT naming one end user.
#[derive(Clone)]
pub struct PartnerSigner {
    key: Arc<EncodingKey>,
    key_id: String,
    issuer: String,
    tenant: String,
}

impl PartnerSigner {
    /// A signer with the partner's ES256 private key (PKCS#8 PEM).
    pub fn from_pem(pem: &[u8], key_id: &str, issuer: &str, tenant: &str) -> Result<Self, Error> {
        let key = EncodingKey::from_ec_pem(pem)
            .map_err(|e| Error::configuration(format!("partner key: {e}")))?;
        Ok(PartnerSigner {
            key: Arc::new(key),
            key_id: key_id.to_owned(),
            issuer: issuer.to_owned(),
            tenant: tenant.to_owned(),
        })
    }

    /// The claims Zapier requires, valid for five minutes (the client asks for a new one when the
    /// access token it was exchanged for runs out).
    fn sign(&self, user: &str) -> Result<AccessToken, Error> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = serde_json::json!({
            "sub": user, "org_id": self.tenant, "iss": self.issuer, "aud": "connect.zapier.com",
            "iat": now, "nbf": now, "exp": now + 300,
        });
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(AccessToken::new)
            .map_err(|e| Error::configuration(format!("partner JWT: {e}")))
    }
}

/// One client per user: the base client's HTTP pool and settings, the user's own token cache.
pub fn client_for(
    base: &Client,
    client_id: &str,
    client_secret: &str,
    signer: &PartnerSigner,
    user: &str,
) -> Client {
    let (signer, user) = (signer.clone(), user.to_owned());
    base.with_token_source(PartnerJwtExchange::new(
        client_id,
        client_secret.to_owned(),
        move || {
            let signed = signer.sign(&user);
            async move { signed }
        },
    ))
}

/// The inbox of one user: their Slack channel's messages, through their own connection.
pub fn inbox_name(user: &str) -> String {
    format!("tenant-{user}-slack")
}

/// Ensures each user's inbox, subscribed to their `channel` through their own Slack connection,
/// with their own token; returns each with the client that may read it.
pub async fn ensure_inboxes(
    users: &[(String, Client, String)],
) -> Result<Vec<(Client, InboxRef)>, Error> {
    let mut inboxes = Vec::new();
    for (user, client, channel) in users {
        let slack = client.connections().first_valid("slack").await?;
        let slack = slack.ok_or_else(|| Error::not_found("multi-tenant", "connect Slack first"))?;
        let subscription = Subscription::new("slack", "channel_message")
            .with_connection(slack.connection_id())
            .with_input("channel", channel.as_str());
        let ensured = client
            .inboxes()
            .ensure_validated(&inbox_name(user), &subscription, None)
            .await?;
        let inbox = client
            .inboxes()
            .wait_until_active(&ensured.inbox.id_ref(), Duration::from_secs(60))
            .await?;
        inboxes.push((client.clone(), inbox.id_ref()));
    }
    Ok(inboxes)
}

/// Consumes every user's inbox until `shutdown` in one runtime (round-robin leasing, one shared
/// concurrency limit, each inbox leased with its own user's token); returns how many messages
/// each inbox yielded, and the report.
pub async fn consume(
    inboxes: &[(Client, InboxRef)],
    shutdown: CancellationToken,
) -> Result<(HashMap<String, u64>, ShutdownReport), Error> {
    let ((first_client, first_inbox), rest) = inboxes
        .split_first()
        .ok_or_else(|| Error::configuration("users: at least one user is needed"))?;
    let mut builder = Consumer::builder(first_client, first_inbox.clone()).max_in_flight(16);
    for (client, inbox) in rest {
        builder = builder.inbox(client, inbox.clone());
    }
    let per_inbox = Arc::new(Mutex::new(HashMap::<String, u64>::new()));
    let counts = per_inbox.clone();
    let report = builder
        .handler(move |message| {
            let counts = counts.clone();
            async move {
                // Whose event this is follows from the inbox it came from.
                let mut counts = counts.lock().unwrap_or_else(|p| p.into_inner());
                *counts.entry(message.inbox().to_owned()).or_default() += 1;
                Ok::<_, std::io::Error>(())
            }
        })
        .run(shutdown)
        .await;
    let per_inbox = per_inbox.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok((per_inbox, report))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = Client::from_env()?;
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let pem = std::fs::read(var("PARTNER_KEY_FILE", "partner-key.pem"))?;
    let signer = PartnerSigner::from_pem(
        &pem,
        &var("PARTNER_KEY_ID", "partner-key-1"),
        &var("PARTNER_ISSUER", "https://partner.example"),
        &var("PARTNER_TENANT", "acme"),
    )?;
    // The partner's own OAuth client, which the token exchange authenticates with.
    let id = std::env::var("ZAPIER_CLIENT_ID").map_err(|_| "set ZAPIER_CLIENT_ID")?;
    let secret = std::env::var("ZAPIER_CLIENT_SECRET").map_err(|_| "set ZAPIER_CLIENT_SECRET")?;
    let users: Vec<_> = std::env::args()
        .skip(1)
        .map(|user| {
            let client = client_for(&base, &id, &secret, &signer, &user);
            (user.clone(), client, var("CHANNEL", "C0123ABC456"))
        })
        .collect();

    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
    let inboxes = ensure_inboxes(&users).await?;
    let (per_inbox, report) = consume(&inboxes, shutdown).await?;
    for (inbox, count) in per_inbox {
        println!("{inbox}: {count} message(s)");
    }
    println!("{report}");
    Ok(())
}
