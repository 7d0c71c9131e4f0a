//! Writing to the terminal: whole outputs at once, broken pipes as a quiet end, errors on one line.

use std::io::{ErrorKind, IsTerminal, Write};

use crate::cli::ColorChoice;

/// Writes `text` to standard output. A closed pipe (`cratewatch audit | head`) is not an error.
pub(crate) fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("cannot write to standard output"))
        }
        _ => Ok(()),
    }
}

/// Writes a line to standard error, ignoring failures (there is nowhere left to report them).
pub(crate) fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints an error and its causes on one line.
pub(crate) fn error_line(err: &anyhow::Error) {
    let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
    note(&format!("error: {}", chain.join(": ")));
}

/// Whether to colour standard output.
pub(crate) fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
        }
    }
}
