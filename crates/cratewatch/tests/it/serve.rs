//! `cratewatch serve`, run as a process: it hands over to `cratewatch-service`, which serves over
//! loopback and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use cratewatch_testdata::advisory_db;

use super::cratewatch;

#[test]
fn serve_help_comes_from_the_service() {
    let run = cratewatch(&["serve", "--help"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Usage: cratewatch serve [OPTIONS]"), "{}", run.stdout);
    assert!(run.stdout.contains("--sync-interval"), "{}", run.stdout);
}

#[test]
fn serve_rejects_bad_arguments_with_exit_2() {
    let run = cratewatch(&["serve", "--listen", "not-an-address"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("invalid value 'not-an-address' for '--listen"), "{}", run.stderr);
}

/// A `cratewatch serve` process and the address it announced.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) address: String,
    /// The lines it writes to standard error after announcing its address.
    lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Waits until the server writes a line containing `needle` to standard error.
    pub(crate) fn wait_for(&self, needle: &str, timeout: std::time::Duration) -> String {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("the server did not write `{needle}` within {timeout:?}"),
            }
        }
    }
}

/// Starts `cratewatch serve` on a free loopback port over the real advisory database, without a
/// registry index, and waits until it accepts connections.
pub(crate) fn start_server() -> Server {
    start_server_with(&["--no-disclosure"], &[])
}

/// [`start_server`] with more arguments and environment variables.
pub(crate) fn start_server_with(args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cratewatch"))
        .args(["serve", "--index", "none", "--listen", "127.0.0.1:0", "--sync-interval", "0", "--log", "warn"])
        .arg("--db")
        .arg(advisory_db())
        .args(args)
        .envs(env.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cratewatch serve");
    // The service announces its address once it accepts connections.
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let address = loop {
        line.clear();
        if stderr.read_line(&mut line).expect("read stderr") == 0 {
            panic!("cratewatch serve exited before serving: {:?}", child.wait());
        }
        if let Some(rest) = line.split("serving on http://").nth(1) {
            break rest.split('/').next().expect("an address").to_owned();
        }
    };
    // Keep reading its log, so that it never blocks on a full pipe, and pass the lines on.
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines() {
            let Ok(line) = line else { break };
            let _ = send.send(line);
        }
    });
    Server { child, address, lines }
}

#[cfg(unix)]
#[test]
fn serve_answers_over_http_and_stops_on_sigterm() {
    let mut server = start_server();
    let address = server.address.clone();

    let mut stream = TcpStream::connect(&address).expect("connect");
    write!(stream, "GET /api/v1/crates/smallvec/security HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("RUSTSEC-2021-0003"), "smallvec's advisory is served: {response}");

    // `cratewatch serve` replaced itself with the service: the signal reaches the server itself.
    let status = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().expect("run kill");
    assert!(status.success());
    let exit = server.child.wait().expect("wait for the server");
    assert_eq!(exit.code(), Some(0), "a clean shutdown on SIGTERM");
}
