//! Users, tokens and sessions through the service: who a token or a session is, signing in and out
//! of the web pages, and the administration that `cratewatch user` does.

use cratewatch_disclosure::Role;
use cratewatch_store::{TokenRecord, UserRecord};

use crate::map::millis;
use crate::{Disclosure, Principal, WorkflowError};

/// How long a web session lasts.
pub const SESSION_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(12);

/// A web session just opened by [`Disclosure::sign_in`].
#[derive(Clone, Debug)]
pub struct Session {
    /// The session id for the cookie (shown once; the store keeps only its hash).
    pub id: String,
    /// Who signed in.
    pub user: UserRecord,
    /// How long the session lasts ([`SESSION_TTL`]).
    pub ttl: jiff::SignedDuration,
}

/// A user with their API tokens, as `cratewatch user list` shows them.
#[derive(Clone, Debug)]
pub struct UserWithTokens {
    /// The user.
    pub user: UserRecord,
    /// Their tokens, revoked ones included.
    pub tokens: Vec<TokenRecord>,
}

/// The scopes of a new token: those given, or `read` and `write`.
fn scopes_or_all<'a>(scopes: &'a [&'a str]) -> &'a [&'a str] {
    if scopes.is_empty() { &["read", "write"] } else { scopes }
}

impl Disclosure {
    /// The principal for an API token or a reporter's secret, if either is valid.
    pub async fn principal_for_token(&self, token: &str) -> Result<Option<Principal>, WorkflowError> {
        let now = millis(self.now());
        if let Some((user, token)) = self.store.authenticate_token(token, now).await? {
            return Ok(user_principal(user, Some(token.scopes)));
        }
        Ok(self.store.report_by_reporter_token(token).await?.map(|r| Principal::Reporter { report_id: r.id }))
    }

    /// The reporter holding the secret link `token`, if it is one. Unlike
    /// [`Disclosure::principal_for_token`], a user's API token finds nothing.
    pub async fn reporter_for_link(&self, token: &str) -> Result<Option<Principal>, WorkflowError> {
        Ok(self.store.report_by_reporter_token(token).await?.map(|r| Principal::Reporter { report_id: r.id }))
    }

    /// The principal of a web session, with the session's CSRF secret.
    pub async fn principal_for_session(&self, session: &str) -> Result<Option<(Principal, String)>, WorkflowError> {
        let Some((user, session)) = self.store.session(session, millis(self.now())).await? else {
            return Ok(None);
        };
        Ok(user_principal(user, None).map(|p| (p, session.csrf_secret)))
    }

    /// Opens a web session for `name` with one of their API tokens. The token must be active, belong
    /// to that user, and have both scopes (a session may do everything its user may); reporters do not
    /// sign in. Refusals are [`WorkflowError::Unauthorized`] when the name and token do not match an
    /// active account (the same whatever was wrong) and [`WorkflowError::Forbidden`] otherwise.
    pub async fn sign_in(&self, name: &str, token: &str) -> Result<Session, WorkflowError> {
        let principal =
            if name.is_empty() || token.is_empty() { None } else { self.principal_for_token(token).await? };
        let (user, role, scopes) = match principal {
            Some(Principal::User { user, role, scopes }) if user.name == name => (user, role, scopes),
            _ => {
                return Err(WorkflowError::Unauthorized(
                    "the user name and token do not match an active account".to_owned(),
                ));
            }
        };
        let scoped = |scope: &str| scopes.as_ref().is_none_or(|s| s.iter().any(|have| have == scope));
        if !(scoped("read") && scoped("write")) {
            return Err(WorkflowError::Forbidden(
                "this token is limited (it lacks the read or write scope); sign in with a token that has both"
                    .to_owned(),
            ));
        }
        if role == Role::Reporter {
            return Err(WorkflowError::Forbidden(
                "reporter accounts follow their reports through the secret link given when reporting".to_owned(),
            ));
        }
        let now = millis(self.now());
        if let Err(e) = self.store.delete_expired_sessions(now).await {
            tracing::warn!(error = %e, "cannot delete expired sessions");
        }
        let (id, _) = self.store.create_session(user.id, now, SESSION_TTL.as_millis() as i64).await?;
        tracing::info!(user = %user.name, "signed in");
        Ok(Session { id, user, ttl: SESSION_TTL })
    }

    /// Ends a web session (nothing happens for an unknown one).
    pub async fn sign_out(&self, session: &str) -> Result<(), WorkflowError> {
        self.store.delete_session(session).await?;
        Ok(())
    }

    /// Every user, by id.
    pub async fn users(&self) -> Result<Vec<UserRecord>, WorkflowError> {
        Ok(self.store.list_users().await?)
    }

    /// The users a report can be assigned to as its handler: the responders.
    pub async fn responders(&self) -> Result<Vec<UserRecord>, WorkflowError> {
        Ok(self.store.users_with_role(Role::Responder.as_str()).await?)
    }

    /// Creates a user and their first API token (`read` and `write` when `scopes` is empty); returns
    /// the token, which is not stored. A name already taken is [`WorkflowError::Conflict`].
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        scopes: &[&str],
    ) -> Result<(UserRecord, String), WorkflowError> {
        if self.store.user_by_name(name).await?.is_some() {
            return Err(WorkflowError::Conflict(format!(
                "a user named `{name}` already exists (`cratewatch user token {name}` makes a new token)"
            )));
        }
        let now = millis(self.now());
        Ok(self.store.add_user(name, role.as_str(), scopes_or_all(scopes), now).await?)
    }

    /// Every user with their tokens.
    pub async fn users_with_tokens(&self) -> Result<Vec<UserWithTokens>, WorkflowError> {
        let mut users = Vec::new();
        for user in self.store.list_users().await? {
            let tokens = self.store.tokens(user.id).await?;
            users.push(UserWithTokens { user, tokens });
        }
        Ok(users)
    }

    /// A new API token for the user `name` (`read` and `write` when `scopes` is empty); returns it with
    /// the token itself, which is not stored.
    pub async fn new_token(&self, name: &str, scopes: &[&str]) -> Result<(TokenRecord, String), WorkflowError> {
        let user = self.user_named(name).await?;
        Ok(self.store.create_token(user.id, scopes_or_all(scopes), millis(self.now())).await?)
    }

    /// Revokes an API token; the sessions of its user end too (they may have been opened with it).
    pub async fn revoke_token(&self, token_id: i64) -> Result<(), WorkflowError> {
        if !self.store.revoke_token(token_id, millis(self.now())).await? {
            return Err(WorkflowError::NotFound(format!("no active token {token_id}")));
        }
        Ok(())
    }

    /// Disables the user `name`: their tokens and sessions stop working at once.
    pub async fn disable_user(&self, name: &str) -> Result<UserRecord, WorkflowError> {
        let user = self.user_named(name).await?;
        self.store.set_user_disabled(user.id, true).await?;
        Ok(user)
    }

    async fn user_named(&self, name: &str) -> Result<UserRecord, WorkflowError> {
        self.store.user_by_name(name).await?.ok_or_else(|| WorkflowError::NotFound(format!("no user named `{name}`")))
    }
}

/// The principal of an enabled user with a role the workflow knows.
pub(crate) fn user_principal(user: UserRecord, scopes: Option<Vec<String>>) -> Option<Principal> {
    if user.disabled {
        return None;
    }
    let role = user.role.parse::<Role>().ok()?;
    Some(Principal::User { user, role, scopes })
}
