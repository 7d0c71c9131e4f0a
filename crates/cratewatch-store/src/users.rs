//! Users, their API tokens, and browser sessions.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::rows::get_bool;
use crate::{Error, Store, secret};

/// A user of the workflow: a coordinator, a responder, ... (the role is the workflow's name for it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    /// The user's id.
    pub id: i64,
    /// The login name, unique.
    pub name: String,
    /// The role, as the workflow names it.
    pub role: String,
    /// When the user was added.
    pub created_at: i64,
    /// A disabled user's tokens and sessions no longer authenticate.
    pub disabled: bool,
}

/// An API token, as stored: its hash is not shown, and the token itself is not stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    /// The token's id, to list and revoke it.
    pub id: i64,
    /// The user it authenticates.
    pub user_id: i64,
    /// What it may be used for, as the server names scopes (stored separated by spaces).
    pub scopes: Vec<String>,
    /// When it was created.
    pub created_at: i64,
    /// When it was revoked; a revoked token authenticates no more.
    pub revoked_at: Option<i64>,
    /// When it last authenticated a request.
    pub last_used_at: Option<i64>,
}

impl TokenRecord {
    /// Whether the token has this scope.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// A browser session, as stored: the session id itself is not stored, only its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// The user signed in.
    pub user_id: i64,
    /// The secret that forms of this session must carry (64 hex digits).
    pub csrf_secret: String,
    /// When the session began.
    pub created_at: i64,
    /// When it stops being valid.
    pub expires_at: i64,
}

const USER_COLUMNS: &str = "id, name, role, created_at, disabled";
const TOKEN_COLUMNS: &str = "id, user_id, scopes, created_at, revoked_at, last_used_at";

fn user_from_row<E>(row: &AnyRow, operation: &str) -> Result<UserRecord, Error<E>> {
    let read = || -> Result<UserRecord, sqlx::Error> {
        Ok(UserRecord {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            role: row.try_get("role")?,
            created_at: row.try_get("created_at")?,
            disabled: get_bool(row, "disabled")?,
        })
    };
    read().map_err(Error::sql(operation))
}

/// A [`TokenRecord`] from a row of [`TOKEN_COLUMNS`].
fn token_from_row<E>(row: &AnyRow, operation: &str) -> Result<TokenRecord, Error<E>> {
    let read = || -> Result<TokenRecord, sqlx::Error> {
        let scopes: String = row.try_get("scopes")?;
        Ok(TokenRecord {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            scopes: scopes.split_whitespace().map(str::to_owned).collect(),
            created_at: row.try_get("created_at")?,
            revoked_at: row.try_get("revoked_at")?,
            last_used_at: row.try_get("last_used_at")?,
        })
    };
    read().map_err(Error::sql(operation))
}

/// Scopes as stored: one string, separated by spaces. A scope must be non-empty and have no spaces.
fn join_scopes(scopes: &[&str], operation: &str) -> Result<String, Error> {
    for scope in scopes {
        if scope.is_empty() || scope.chars().any(char::is_whitespace) {
            return Err(Error::Invalid {
                operation: operation.to_owned(),
                reason: format!("scope {scope:?} is empty or has white space"),
            });
        }
    }
    Ok(scopes.join(" "))
}

impl Store {
    /// Adds a user and gives them a first API token with these scopes. Returns the user and the
    /// token, which is shown once and stored only as a hash. Fails if the name is taken.
    pub async fn add_user(
        &self,
        name: &str,
        role: &str,
        scopes: &[&str],
        now: i64,
    ) -> Result<(UserRecord, String), Error> {
        let operation = format!("add user {name}");
        let scopes = join_scopes(scopes, &operation)?;
        let token = secret::new_token("API token")?;
        let mut tx = self.begin_write(&operation).await?;
        let row = sqlx::query(&format!(
            "INSERT INTO users (name, role, created_at, disabled) VALUES ($1, $2, $3, $4) RETURNING {USER_COLUMNS}"
        ))
        .bind(name)
        .bind(role)
        .bind(now)
        .bind(false)
        .fetch_one(&mut *tx)
        .await
        .map_err(Error::sql(&operation))?;
        let user = user_from_row(&row, &operation)?;
        sqlx::query("INSERT INTO api_tokens (user_id, token_hash, scopes, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user.id)
            .bind(secret::hash(&token))
            .bind(scopes)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(Error::sql(&operation))?;
        tx.commit().await.map_err(Error::sql(&operation))?;
        Ok((user, token))
    }

    /// The user with this id, if any.
    pub async fn user(&self, id: i64) -> Result<Option<UserRecord>, Error> {
        let operation = format!("read user {id}");
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(Error::sql(&operation))?;
        row.map(|row| user_from_row(&row, &operation)).transpose()
    }

    /// The user with this name, if any.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>, Error> {
        let operation = format!("read user {name}");
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(Error::sql(&operation))?;
        row.map(|row| user_from_row(&row, &operation)).transpose()
    }

    /// Every user, disabled ones included, by name.
    pub async fn list_users(&self) -> Result<Vec<UserRecord>, Error> {
        let operation = "list users";
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))
            .fetch_all(&self.pool)
            .await
            .map_err(Error::sql(operation))?;
        rows.iter().map(|row| user_from_row(row, operation)).collect()
    }

    /// The users with this role who are not disabled, by name: who to notify or assign.
    pub async fn users_with_role(&self, role: &str) -> Result<Vec<UserRecord>, Error> {
        let operation = format!("list the users with role {role}");
        let rows =
            sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE role = $1 AND disabled = $2 ORDER BY name"))
                .bind(role)
                .bind(false)
                .fetch_all(&self.pool)
                .await
                .map_err(Error::sql(&operation))?;
        rows.iter().map(|row| user_from_row(row, &operation)).collect()
    }

    /// Disables or re-enables a user. A disabled user's tokens and sessions stop authenticating (they
    /// are kept, and work again if the user is enabled). Returns whether the user exists.
    pub async fn set_user_disabled(&self, id: i64, disabled: bool) -> Result<bool, Error> {
        let operation = format!("disable or enable user {id}");
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(Error::sql(&operation))?;
        Ok(done.rows_affected() == 1)
    }

    /// Creates an API token for a user. Returns its record and the token, which is shown once and
    /// stored only as a hash.
    pub async fn create_token(&self, user_id: i64, scopes: &[&str], now: i64) -> Result<(TokenRecord, String), Error> {
        let operation = format!("create a token for user {user_id}");
        let scopes = join_scopes(scopes, &operation)?;
        let token = secret::new_token("API token")?;
        let row = sqlx::query(&format!(
            "INSERT INTO api_tokens (user_id, token_hash, scopes, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(user_id)
        .bind(secret::hash(&token))
        .bind(scopes)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(Error::sql(&operation))?;
        Ok((token_from_row(&row, &operation)?, token))
    }

    /// A user's tokens, revoked ones included, oldest first.
    pub async fn tokens(&self, user_id: i64) -> Result<Vec<TokenRecord>, Error> {
        let operation = format!("list the tokens of user {user_id}");
        let rows = sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id"))
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(Error::sql(&operation))?;
        rows.iter().map(|row| token_from_row(row, &operation)).collect()
    }

    /// Revokes a token. Returns whether it was active (false if it was already revoked or does not
    /// exist); a token is revoked once, at the first time given. The user's web sessions end too: a
    /// session may have been opened with that token (a leaked token is revoked for that reason).
    pub async fn revoke_token(&self, token_id: i64, now: i64) -> Result<bool, Error> {
        let operation = format!("revoke token {token_id}");
        let mut tx = self.pool.begin().await.map_err(Error::sql(&operation))?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(token_id)
            .execute(&mut *tx)
            .await
            .map_err(Error::sql(&operation))?;
        sqlx::query("DELETE FROM sessions WHERE user_id = (SELECT user_id FROM api_tokens WHERE id = $1)")
            .bind(token_id)
            .execute(&mut *tx)
            .await
            .map_err(Error::sql(&operation))?;
        tx.commit().await.map_err(Error::sql(&operation))?;
        Ok(done.rows_affected() == 1)
    }

    /// The user and token that a presented API token authenticates, and records the use
    /// (`last_used_at`). `None` for an unknown or revoked token, or a disabled user.
    pub async fn authenticate_token(&self, token: &str, now: i64) -> Result<Option<(UserRecord, TokenRecord)>, Error> {
        let operation = "authenticate an API token";
        let row = sqlx::query(&format!(
            "UPDATE api_tokens SET last_used_at = $1 \
             WHERE token_hash = $2 AND revoked_at IS NULL \
             AND user_id IN (SELECT id FROM users WHERE disabled = $3) RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(now)
        .bind(secret::hash(token))
        .bind(false)
        .fetch_optional(&self.pool)
        .await
        .map_err(Error::sql(operation))?;
        let Some(row) = row else { return Ok(None) };
        let token = token_from_row(&row, operation)?;
        let user = self.user(token.user_id).await?;
        Ok(user.filter(|user| !user.disabled).map(|user| (user, token)))
    }

    /// Starts a session for a user, valid for `ttl_ms` milliseconds. Returns the session id (for the
    /// cookie; stored only as a hash) and the session, whose CSRF secret the forms carry.
    pub async fn create_session(&self, user_id: i64, now: i64, ttl_ms: i64) -> Result<(String, SessionRecord), Error> {
        let operation = format!("create a session for user {user_id}");
        let id = secret::new_token("session id")?;
        let session = SessionRecord {
            user_id,
            csrf_secret: secret::random_hex("CSRF secret")?,
            created_at: now,
            expires_at: now.saturating_add(ttl_ms),
        };
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_secret, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(secret::hash(&id))
        .bind(user_id)
        .bind(&session.csrf_secret)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await
        .map_err(Error::sql(&operation))?;
        Ok((id, session))
    }

    /// The user and session of a session id, if it exists, has not expired (`expires_at > now`) and
    /// its user is not disabled.
    pub async fn session(&self, id: &str, now: i64) -> Result<Option<(UserRecord, SessionRecord)>, Error> {
        let operation = "read a session";
        let row = sqlx::query(
            "SELECT users.id, users.name, users.role, users.created_at, users.disabled, sessions.csrf_secret, \
             sessions.created_at AS session_created_at, sessions.expires_at \
             FROM sessions JOIN users ON users.id = sessions.user_id \
             WHERE sessions.id_hash = $1 AND sessions.expires_at > $2 AND users.disabled = $3",
        )
        .bind(secret::hash(id))
        .bind(now)
        .bind(false)
        .fetch_optional(&self.pool)
        .await
        .map_err(Error::sql(operation))?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row, operation)?;
        let read = || -> Result<SessionRecord, sqlx::Error> {
            Ok(SessionRecord {
                user_id: user.id,
                csrf_secret: row.try_get("csrf_secret")?,
                created_at: row.try_get("session_created_at")?,
                expires_at: row.try_get("expires_at")?,
            })
        };
        let session = read().map_err(Error::sql(operation))?;
        Ok(Some((user, session)))
    }

    /// Ends a session (sign-out). Returns whether it existed.
    pub async fn delete_session(&self, id: &str) -> Result<bool, Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(secret::hash(id))
            .execute(&self.pool)
            .await
            .map_err(Error::sql("delete a session"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the sessions expired at `now`. Returns how many there were.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64, Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(Error::sql("delete expired sessions"))?;
        Ok(done.rows_affected())
    }
}
