//! `cratewatch user ...` (run as `cratewatch-service user ...`): the workflow's users and tokens, in
//! the same store `cratewatch serve` uses.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use cratewatch_store::Store;
use cratewatch_workflow::{Disclosure, UserWithTokens};

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

/// The workflow service over the store, as the server runs it but without mail: user administration
/// goes through the same service as the server's pages and API.
async fn open(store: &StoreArgs) -> anyhow::Result<Disclosure> {
    let url = database_url(store)?;
    let store = Store::open(&url).await.with_context(|| format!("cannot open the store {url}"))?;
    Ok(Disclosure::administration(store))
}

fn scopes(given: &[String]) -> Vec<&str> {
    given.iter().map(String::as_str).collect()
}

async fn user(command: UserCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        UserCommand::Add { name, role, scopes: given, store } => {
            let workflow = open(&store).await?;
            let (user, token) = workflow.add_user(&name, role.role(), &scopes(&given)).await?;
            writeln!(out, "user {} ({}) created with id {}", user.name, user.role, user.id)?;
            writeln!(out, "API token (shown once; only its hash is stored):")?;
            writeln!(out, "{token}")?;
        }
        UserCommand::List { store } => {
            let workflow = open(&store).await?;
            for UserWithTokens { user, tokens } in workflow.users_with_tokens().await? {
                let state = if user.disabled { " (disabled)" } else { "" };
                writeln!(out, "{:>4}  {:<24} {}{state}", user.id, user.name, user.role)?;
                for token in tokens {
                    let revoked = if token.revoked_at.is_some() { ", revoked" } else { "" };
                    writeln!(out, "        token {} [{}]{revoked}", token.id, token.scopes.join(", "))?;
                }
            }
        }
        UserCommand::Token { name, scopes: given, store } => {
            let workflow = open(&store).await?;
            let (token, plain) = workflow.new_token(&name, &scopes(&given)).await?;
            writeln!(out, "token {} for {name} (shown once):", token.id)?;
            writeln!(out, "{plain}")?;
        }
        UserCommand::Revoke { token_id, store } => {
            open(&store).await?.revoke_token(token_id).await?;
            writeln!(out, "token {token_id} revoked")?;
        }
        UserCommand::Disable { name, store } => {
            open(&store).await?.disable_user(&name).await?;
            writeln!(out, "user {name} disabled: their tokens and sessions no longer work")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
