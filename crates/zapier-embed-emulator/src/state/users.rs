//! Users, access tokens, connect tokens and connections.
//!
//! A user is created on first sight (client id, or partner JWT `(tenant, sub)`) and seeded with
//! one valid and one expired Slack connection, so tests can exercise both paths immediately.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use uuid::Uuid;

use crate::catalog::{self, App};
use crate::clock::later;

/// A connection (Partner API "authentication").
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// Connection id (UUID text).
    pub id: String,
    /// Owner.
    pub owner: Uuid,
    /// App.
    pub app: &'static App,
    /// Whether its credentials have expired.
    pub expired: bool,
    /// Title.
    pub title: String,
}

#[derive(Debug, Clone)]
struct AccessToken {
    user: Uuid,
    expires_at: DateTime<Utc>,
    /// Scopes requested at issue; `None` when none were asked for (everything allowed).
    scopes: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
struct ConnectToken {
    user: Uuid,
    app: &'static App,
    expires_at: DateTime<Utc>,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Never issued.
    Unknown,
    /// Issued, but past its `expires_in`.
    Expired,
}

/// Why a connect token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnectTokenError {
    /// Unknown or already used.
    Invalid,
    /// Past its six minutes.
    Expired,
    /// Issued for another app.
    WrongApp(&'static str),
    /// A reconnect named a connection that is not one of the token user's connections to the app.
    NotReconnectable,
}

/// Lifetime of connect tokens.
pub(crate) const CONNECT_TOKEN_TTL_SECS: u64 = 360;

/// Who a user is, as the token endpoint identified them. A structured key, never a joined
/// string: (`acme:eu`, `alice`) and (`acme`, `eu:alice`) are two different partner users.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum UserKey {
    /// A client-credentials client, by client id.
    Client(String),
    /// A partner-JWT user: the tenant claim and `sub`.
    Partner {
        /// Value of the tenant claim.
        tenant: String,
        /// `sub`.
        subject: String,
    },
}

/// Users and their credentials.
#[derive(Debug, Default)]
pub(crate) struct Users {
    by_key: HashMap<UserKey, Uuid>,
    tokens: HashMap<String, AccessToken>,
    connect_tokens: HashMap<String, ConnectToken>,
    connections: HashMap<String, Connection>,
    user_connections: HashMap<Uuid, Vec<String>>,
}

impl Users {
    /// The user for `key`, created and seeded on first use.
    pub(crate) fn user_for(&mut self, key: UserKey) -> Uuid {
        if let Some(id) = self.by_key.get(&key) {
            return *id;
        }
        let user = Uuid::now_v7();
        self.by_key.insert(key, user);
        self.add_connection(
            user,
            &catalog::SLACK,
            false,
            "Slack ada@example.com".to_owned(),
        );
        self.add_connection(
            user,
            &catalog::SLACK,
            true,
            "Slack old@example.com (expired)".to_owned(),
        );
        user
    }

    /// Creates a connection and returns it.
    pub(crate) fn add_connection(
        &mut self,
        owner: Uuid,
        app: &'static App,
        expired: bool,
        title: String,
    ) -> Connection {
        let conn = Connection {
            id: Uuid::now_v7().to_string(),
            owner,
            app,
            expired,
            title,
        };
        self.connections.insert(conn.id.clone(), conn.clone());
        self.user_connections
            .entry(owner)
            .or_default()
            .push(conn.id.clone());
        conn
    }

    /// The user's connections in creation order, optionally for one app.
    pub(crate) fn connections_of(&self, owner: Uuid, app: Option<&App>) -> Vec<&Connection> {
        self.user_connections
            .get(&owner)
            .into_iter()
            .flatten()
            .filter_map(|id| self.connections.get(id))
            .filter(|c| app.is_none_or(|a| std::ptr::eq(a, c.app)))
            .collect()
    }

    /// One of the user's connections (another user's connection is not found).
    pub(crate) fn connection(&self, owner: Uuid, id: &str) -> Option<&Connection> {
        self.connections.get(id).filter(|c| c.owner == owner)
    }

    /// Issues an access token (JWT-shaped so clients that sniff for `JWT` behave as in production).
    pub(crate) fn issue_token(
        &mut self,
        user: Uuid,
        now: DateTime<Utc>,
        ttl: std::time::Duration,
        scopes: Option<Vec<String>>,
    ) -> String {
        let expires_at = later(now, ttl);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = serde_json::json!({
            "sub": user.to_string(), "aud": "trigger-inbox", "iss": "zapier-embed-emulator",
            "iat": now.timestamp(), "exp": expires_at.timestamp(), "jti": Uuid::new_v4().to_string(),
        });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let mut sig = [0u8; 32];
        rand::rng().fill_bytes(&mut sig);
        let token = format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(sig));
        self.tokens.insert(
            token.clone(),
            AccessToken {
                user,
                expires_at,
                scopes,
            },
        );
        token
    }

    /// Resolves a bearer token to its user.
    pub(crate) fn authenticate(&self, token: &str, now: DateTime<Utc>) -> Result<Uuid, TokenError> {
        match self.tokens.get(token) {
            None => Err(TokenError::Unknown),
            Some(t) if t.expires_at <= now => Err(TokenError::Expired),
            Some(t) => Ok(t.user),
        }
    }

    /// Whether the emulator issued `token` (expired or not).
    pub(crate) fn is_issued(&self, token: &str) -> bool {
        self.tokens.contains_key(token)
    }

    /// The scopes a token was issued with (`None`: unrestricted).
    pub(crate) fn token_scopes(&self, token: &str) -> Option<Vec<String>> {
        self.tokens.get(token).and_then(|t| t.scopes.clone())
    }

    /// Issues a single-use connect token for `app`, valid six minutes.
    pub(crate) fn issue_connect_token(
        &mut self,
        user: Uuid,
        app: &'static App,
        now: DateTime<Utc>,
    ) -> String {
        let token = format!("ct_{}", Uuid::new_v4().simple());
        let expires_at = later(now, std::time::Duration::from_secs(CONNECT_TOKEN_TTL_SECS));
        self.connect_tokens.insert(
            token.clone(),
            ConnectToken {
                user,
                app,
                expires_at,
            },
        );
        token
    }

    /// The user a connect token for `app` was issued to, without using the token up (the Connect
    /// UI shows who is connecting before the user decides).
    pub(crate) fn connect_token_user(
        &self,
        token: &str,
        app: &'static App,
        now: DateTime<Utc>,
    ) -> Result<Uuid, ConnectTokenError> {
        let ct = self
            .connect_tokens
            .get(token)
            .ok_or(ConnectTokenError::Invalid)?;
        if ct.expires_at <= now {
            return Err(ConnectTokenError::Expired);
        }
        if !std::ptr::eq(ct.app, app) {
            return Err(ConnectTokenError::WrongApp(ct.app.slug));
        }
        Ok(ct.user)
    }

    /// Uses up a connect token for `app` and returns its user (an expired token is dropped on
    /// sight; a token for another app stays usable for its own app).
    fn take_connect_token(
        &mut self,
        token: &str,
        app: &'static App,
        now: DateTime<Utc>,
    ) -> Result<Uuid, ConnectTokenError> {
        let checked = self.connect_token_user(token, app, now);
        if matches!(checked, Ok(_) | Err(ConnectTokenError::Expired)) {
            self.connect_tokens.remove(token);
        }
        checked
    }

    /// The title the next connection of `user` to `app` gets (`Slack connection #3`).
    pub(crate) fn next_connection_title(&self, user: Uuid, app: &'static App) -> String {
        let n = self.connections_of(user, Some(app)).len() + 1;
        format!("{} connection #{n}", app.title)
    }

    /// Consumes a connect token for `app` and creates the connection.
    pub(crate) fn redeem_connect_token(
        &mut self,
        token: &str,
        app: &'static App,
        now: DateTime<Utc>,
    ) -> Result<Connection, ConnectTokenError> {
        let user = self.take_connect_token(token, app, now)?;
        let title = self.next_connection_title(user, app);
        Ok(self.add_connection(user, app, false, title))
    }

    /// The user's connection `id` to `app`, the one a reconnect re-authorizes.
    pub(crate) fn reconnectable(
        &self,
        user: Uuid,
        app: &'static App,
        id: &str,
    ) -> Result<&Connection, ConnectTokenError> {
        self.connection(user, id)
            .filter(|c| std::ptr::eq(c.app, app))
            .ok_or(ConnectTokenError::NotReconnectable)
    }

    /// Consumes a connect token for `app` and re-authorizes the user's connection `id` (it is
    /// valid again, same id). Nothing is used up when `id` is not the user's connection to `app`.
    pub(crate) fn reconnect_with_token(
        &mut self,
        token: &str,
        app: &'static App,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Connection, ConnectTokenError> {
        let user = self.connect_token_user(token, app, now)?;
        self.reconnectable(user, app, id)?;
        self.take_connect_token(token, app, now)?;
        let conn = self
            .connections
            .get_mut(id)
            .ok_or(ConnectTokenError::NotReconnectable)?;
        conn.expired = false;
        Ok(conn.clone())
    }

    /// Consumes a connect token for `app` without creating a connection: the user cancelled.
    pub(crate) fn decline_connect_token(
        &mut self,
        token: &str,
        app: &'static App,
        now: DateTime<Utc>,
    ) -> Result<(), ConnectTokenError> {
        self.take_connect_token(token, app, now).map(|_| ())
    }
}
