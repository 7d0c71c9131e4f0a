//! `cratewatch user ...` (run as `cratewatch-service user ...`): the workflow's users and tokens, in
//! the same store `cratewatch serve` uses.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use cratewatch_store::Store;

use crate::cli::{StoreArgs, UserCommand};

/// The store's URL: the flag, then `$CRATEWATCH_DATABASE_URL`, then a SQLite file in the data
/// directory (created with its directory on first use).
pub(crate) fn database_url(args: &StoreArgs) -> anyhow::Result<String> {
    if let Some(url) = &args.database_url {
        return Ok(url.clone());
    }
    if let Some(url) = std::env::var_os("CRATEWATCH_DATABASE_URL").filter(|v| !v.is_empty()) {
        return url.into_string().map_err(|_| anyhow::anyhow!("$CRATEWATCH_DATABASE_URL is not UTF-8"));
    }
    let var = |name: &str| std::env::var_os(name).filter(|p| !p.is_empty()).map(PathBuf::from);
    let dir = match (var("XDG_DATA_HOME"), var("HOME")) {
        (Some(data), _) => data.join("cratewatch"),
        (None, Some(home)) => home.join(".local/share/cratewatch"),
        (None, None) => bail!("no --database-url, $CRATEWATCH_DATABASE_URL, $XDG_DATA_HOME or $HOME"),
    };
    let path = dir.join("cratewatch.db");
    let path = path.to_str().context("the data directory's path is not UTF-8; give --database-url")?;
    Ok(format!("sqlite:{path}"))
}

pub(crate) fn run(command: UserCommand) -> anyhow::Result<ExitCode> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")?;
    runtime.block_on(user(command))
}

fn now() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn scopes(given: &[String]) -> Vec<&str> {
    if given.is_empty() { vec!["read", "write"] } else { given.iter().map(String::as_str).collect() }
}

async fn open(store: &StoreArgs) -> anyhow::Result<Store> {
    let url = database_url(store)?;
    Store::open(&url).await.with_context(|| format!("cannot open the store {url}"))
}

async fn user(command: UserCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        UserCommand::Add { name, role, scopes: given, store } => {
            let store = open(&store).await?;
            if store.user_by_name(&name).await?.is_some() {
                bail!("a user named `{name}` already exists (`cratewatch user token {name}` makes a new token)");
            }
            let (user, token) = store.add_user(&name, role.as_str(), &scopes(&given), now()).await?;
            writeln!(out, "user {} ({}) created with id {}", user.name, user.role, user.id)?;
            writeln!(out, "API token (shown once; only its hash is stored):")?;
            writeln!(out, "{token}")?;
        }
        UserCommand::List { store } => {
            let store = open(&store).await?;
            for user in store.list_users().await? {
                let state = if user.disabled { " (disabled)" } else { "" };
                writeln!(out, "{:>4}  {:<24} {}{state}", user.id, user.name, user.role)?;
                for token in store.tokens(user.id).await? {
                    let revoked = if token.revoked_at.is_some() { ", revoked" } else { "" };
                    writeln!(out, "        token {} [{}]{revoked}", token.id, token.scopes.join(", "))?;
                }
            }
        }
        UserCommand::Token { name, scopes: given, store } => {
            let store = open(&store).await?;
            let user = store.user_by_name(&name).await?.with_context(|| format!("no user named `{name}`"))?;
            let (token, plain) = store.create_token(user.id, &scopes(&given), now()).await?;
            writeln!(out, "token {} for {} (shown once):", token.id, user.name)?;
            writeln!(out, "{plain}")?;
        }
        UserCommand::Revoke { token_id, store } => {
            let store = open(&store).await?;
            if !store.revoke_token(token_id, now()).await? {
                bail!("no active token {token_id}");
            }
            writeln!(out, "token {token_id} revoked")?;
        }
        UserCommand::Disable { name, store } => {
            let store = open(&store).await?;
            let user = store.user_by_name(&name).await?.with_context(|| format!("no user named `{name}`"))?;
            store.set_user_disabled(user.id, true).await?;
            writeln!(out, "user {name} disabled: their tokens and sessions no longer work")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
