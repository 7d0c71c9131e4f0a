//! The `cratewatch` command: parses arguments and hands over to the libraries.
//!
//! Exit codes: 0 clean, 1 findings (vulnerabilities, denied warnings, or diagnostics for `db check`),
//! 2 error.

mod audit_config;
mod built;
mod cli;
mod cmd_audit;
mod cmd_db;
mod cmd_osv;
mod cmd_service;
mod fixes;
mod output;
mod paths;
mod remote;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Audit(args) => cmd_audit::run(*args),
        cli::Command::Serve(forward) => cmd_service::forward("serve", forward.args),
        cli::Command::User(forward) => cmd_service::forward("user", forward.args),
        cli::Command::Osv { command: cli::OsvCommand::Export(args) } => cmd_osv::export(args),
        cli::Command::Db { command: cli::DbCommand::Check(args) } => cmd_db::check(args),
        cli::Command::Reach(forward) => cmd_service::forward("reach", forward.args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            output::error_line(&err);
            ExitCode::from(2)
        }
    }
}
