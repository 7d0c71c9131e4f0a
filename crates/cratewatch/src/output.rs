//! Writing to the terminal: whole outputs at once, broken pipes as a quiet end, errors on one line.

use std::io::{ErrorKind, Write};

/// Writes `text` to standard output. A closed pipe (`cratewatch audit | head`) is not an error.
pub(crate) fn print(text: &str) -> anyhow::Result<()> {
    let mut out = Stdout::new();
    out.push_str(text);
    out.finish()
}

/// Standard output written in pieces: renderers append to the buffer (it derefs to a `String`) and call
/// [`Stdout::spill`] between items, which writes the buffer out once it passes [`Stdout::SPILL_AT`]. A
/// report of hundreds of kilobytes then passes through one small buffer instead of being built whole
/// (growing a large buffer costs copies and hundreds of page faults, a measurable part of an audit).
/// A closed pipe ends the output quietly; other write errors are returned by [`Stdout::finish`].
///
/// A held output ([`Stdout::held`]) writes nothing before [`Stdout::finish`]: each spilled piece is kept
/// as it is (no copy into a growing buffer), so that an output can be rendered before it is known to be
/// the one to write, and dropped if it is not.
pub(crate) struct Stdout {
    buf: String,
    held: Option<Vec<String>>,
    closed: bool,
    error: Option<std::io::Error>,
    /// Where the pieces go, from the first write on (see [`Direct`]).
    direct: Option<Direct>,
}

impl Stdout {
    const SPILL_AT: usize = 32 * 1024;

    pub(crate) fn new() -> Stdout {
        Stdout { buf: String::with_capacity(2 * Self::SPILL_AT), held: None, closed: false, error: None, direct: None }
    }

    /// An output that is written only by [`Stdout::finish`].
    pub(crate) fn held() -> Stdout {
        Stdout { held: Some(Vec::new()), ..Stdout::new() }
    }

    /// Writes the buffer out (or, held, sets it aside) if it holds enough to be worth a write.
    pub(crate) fn spill(&mut self) {
        if self.buf.len() >= Self::SPILL_AT {
            match &mut self.held {
                Some(pieces) => {
                    pieces.push(std::mem::replace(&mut self.buf, String::with_capacity(2 * Self::SPILL_AT)))
                }
                None => self.write_buffer(),
            }
        }
    }

    fn write_buffer(&mut self) {
        if !self.closed
            && let Err(e) = self.direct.get_or_insert_with(Direct::new).write_all(self.buf.as_bytes())
        {
            self.closed = true;
            if e.kind() != ErrorKind::BrokenPipe {
                self.error = Some(e);
            }
        }
        self.buf.clear();
    }

    /// Writes what is left (held, everything).
    pub(crate) fn finish(mut self) -> anyhow::Result<()> {
        if let Some(pieces) = self.held.take() {
            let last = std::mem::take(&mut self.buf);
            for piece in pieces {
                self.buf = piece;
                self.write_buffer();
            }
            self.buf = last;
        }
        self.write_buffer();
        match self.error {
            Some(e) => Err(anyhow::Error::new(e).context("cannot write to standard output")),
            None => Ok(()),
        }
    }
}

impl std::ops::Deref for Stdout {
    type Target = String;

    fn deref(&self) -> &String {
        &self.buf
    }
}

impl std::ops::DerefMut for Stdout {
    fn deref_mut(&mut self) -> &mut String {
        &mut self.buf
    }
}

/// Standard output without its line buffer. std's handle searches each large write backwards for its
/// last newline, byte by byte: a tenth of a millisecond for a 400 KB report, after the work is done.
/// On Unix the pieces go to a duplicate of the descriptor (the same open file), made once, after
/// anything std buffered is flushed; elsewhere, or if it cannot be duplicated, through std's handle.
struct Direct(Option<std::fs::File>);

impl Direct {
    fn new() -> Direct {
        let mut stdout = std::io::stdout().lock();
        if stdout.flush().is_err() {
            return Direct(None);
        }
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            if let Ok(fd) = stdout.as_fd().try_clone_to_owned() {
                return Direct(Some(std::fs::File::from(fd)));
            }
        }
        Direct(None)
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.0 {
            Some(file) => file.write_all(bytes),
            None => {
                let mut stdout = std::io::stdout().lock();
                stdout.write_all(bytes).and_then(|()| stdout.flush())
            }
        }
    }
}

/// Writes a line to standard error, ignoring failures (there is nowhere left to report them).
pub(crate) fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints an error and its causes on one line.
pub(crate) fn error_line(err: &anyhow::Error) {
    // One line: a cause that spans lines (git's own messages) is joined with `; `, and a cause that its
    // parent's message already ends with is not repeated.
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        let text: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let text = text.join("; ");
        if text.is_empty() || line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    note(&format!("error: {line}"));
}
