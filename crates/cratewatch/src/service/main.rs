//! `cratewatch-service`: the long-running side of cratewatch (the web server), in its own program so
//! that the auditor (`cratewatch`) does not link, load and relocate the server's code on every run.
//! `cratewatch serve ...` replaces itself with `cratewatch-service serve ...`.
//!
//! Exit codes: 0 after a clean shutdown, 2 error.

mod cli;
mod serve;
mod user;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Serve(args) => serve::run(*args),
        cli::Command::User { command } => user::run(command),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
            let _ = writeln!(std::io::stderr().lock(), "error: {}", chain.join(": "));
            ExitCode::from(2)
        }
    }
}
