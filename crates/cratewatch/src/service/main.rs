//! `cratewatch-service`: the heavy side of cratewatch (the web server, and `reach`, which resolves a
//! whole registry and writes Parquet), in its own program so that the auditor (`cratewatch`) does not
//! link, load and relocate that code on every run. `cratewatch serve ...` replaces itself with
//! `cratewatch-service serve ...`, and likewise `reach` and `user`. The output, path and duration helpers are
//! the auditor's own modules, compiled in here too.
//!
//! Exit codes: 0 after a clean shutdown (or a finished `reach`), 2 error.

mod cli;
#[path = "../duration.rs"]
mod duration;
#[path = "../output.rs"]
#[allow(dead_code, reason = "shared with the auditor, which uses more of it")]
mod output;
#[path = "../paths.rs"]
#[allow(dead_code, reason = "shared with the auditor, which uses more of it")]
mod paths;
mod reach;
mod serve;
mod user;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Serve(args) => serve::run(*args),
        cli::Command::Reach(args) => reach::run(args),
        cli::Command::User { command } => user::run(command),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            output::error_line(&err);
            ExitCode::from(2)
        }
    }
}
