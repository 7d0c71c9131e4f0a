//! Subcommands run by the `cratewatch-service` program (the server and, later, its administration).
//!
//! The auditor stays small and starts fast because it does not link the server: `cratewatch serve`
//! replaces this process with `cratewatch-service serve` and the same arguments, so signals, the
//! process id and the exit code are the service's own.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::Context;

const PROGRAM: &str = "cratewatch-service";

/// Runs `cratewatch-service SUBCOMMAND ARGS...` in place of this process.
pub(crate) fn forward(subcommand: &str, args: Vec<OsString>) -> anyhow::Result<ExitCode> {
    let program = program();
    let mut command = Command::new(&program);
    command.arg(subcommand).args(args);
    let context = || {
        format!(
            "cannot run {} (it is installed beside cratewatch: cargo install --path crates/cratewatch)",
            program.display()
        )
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // `exec` returns only on failure.
        Err(command.exec()).with_context(context)
    }
    #[cfg(not(unix))]
    {
        let status = command.status().with_context(context)?;
        Ok(ExitCode::from(status.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(2)))
    }
}

/// `cratewatch-service` beside this executable, else the one on `PATH`.
fn program() -> PathBuf {
    let name = format!("{PROGRAM}{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name(&name))
        .filter(|beside| beside.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}
