//! A small HTTP/1.1 server on loopback for the sparse index tests: it serves files from a directory (the
//! real 2020 index) with an `ETag` and/or `Last-Modified`, answers conditional requests with 304, and
//! counts what it was asked. Other behaviours stand in for broken servers. One request per connection
//! (`Connection: close`), one thread per connection.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The `Last-Modified` date every file is given.
const LAST_MODIFIED: &str = "Fri, 27 Nov 2020 00:00:00 GMT";

/// How the server answers.
#[derive(Clone)]
pub(crate) enum Behaviour {
    /// Serves the files under `root`, with an `ETag` (a hash of the contents) and/or a `Last-Modified`
    /// header, and answers `If-None-Match`/`If-Modified-Since` that match with 304.
    Files { root: PathBuf, etag: bool, last_modified: bool },
    /// Serves a valid `config.json`, and answers every other path with this status and an empty body.
    Status(u16),
    /// Serves a valid `config.json`, and answers every other path with bytes that are not HTTP.
    Garbage,
    /// Reads the request and says nothing for a few seconds, then closes.
    Hang,
}

#[derive(Default)]
struct Stats {
    requests: AtomicUsize,
    not_modified: AtomicUsize,
    conditional: AtomicUsize,
    paths: Mutex<Vec<String>>,
}

/// A running server. Its thread lives until the test binary exits; it only ever waits for connections.
pub(crate) struct TestServer {
    /// `sparse+http://127.0.0.1:PORT/`.
    pub(crate) url: String,
    stats: Arc<Stats>,
}

impl TestServer {
    pub(crate) fn start(behaviour: Behaviour) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("sparse+http://{}/", listener.local_addr().unwrap());
        let stats = Arc::new(Stats::default());
        let shared = stats.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (behaviour, stats) = (behaviour.clone(), shared.clone());
                std::thread::spawn(move || {
                    let _ = handle(stream, &behaviour, &stats);
                });
            }
        });
        TestServer { url, stats }
    }

    /// Requests received, `config.json` included.
    pub(crate) fn requests(&self) -> usize {
        self.stats.requests.load(Ordering::SeqCst)
    }

    /// Requests that carried `If-None-Match` or `If-Modified-Since`.
    pub(crate) fn conditional(&self) -> usize {
        self.stats.conditional.load(Ordering::SeqCst)
    }

    /// 304 answers sent.
    pub(crate) fn not_modified(&self) -> usize {
        self.stats.not_modified.load(Ordering::SeqCst)
    }

    /// The paths requested, in order.
    pub(crate) fn paths(&self) -> Vec<String> {
        self.stats.paths.lock().unwrap().clone()
    }
}

fn handle(mut stream: TcpStream, behaviour: &Behaviour, stats: &Stats) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut head = Vec::new();
    let mut buf = [0; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 || head.len() > 65536 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next().and_then(|l| l.split(' ').nth(1)).unwrap_or("/").to_owned();
    let header = |name: &str| {
        head.split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    let (if_none_match, if_modified_since) = (header("if-none-match"), header("if-modified-since"));
    stats.requests.fetch_add(1, Ordering::SeqCst);
    if if_none_match.is_some() || if_modified_since.is_some() {
        stats.conditional.fetch_add(1, Ordering::SeqCst);
    }
    stats.paths.lock().unwrap().push(path.clone());

    let config = br#"{"dl":"https://example.invalid/api/v1/crates"}"#;
    match behaviour {
        Behaviour::Hang => {
            std::thread::sleep(Duration::from_secs(5));
            Ok(())
        }
        Behaviour::Garbage | Behaviour::Status(_) if path == "/config.json" => respond(&mut stream, 200, &[], config),
        Behaviour::Garbage => stream.write_all(b"\x00\x01 this is not HTTP\r\n\r\n{}"),
        Behaviour::Status(status) => respond(&mut stream, *status, &[], b""),
        Behaviour::Files { root, etag, last_modified } => {
            let rel = path.trim_start_matches('/');
            if rel.split('/').any(|c| c.is_empty() || c == ".." || c == ".") {
                return respond(&mut stream, 404, &[], b"");
            }
            let Ok(body) = fs::read(root.join(rel)) else {
                return respond(&mut stream, 404, &[], b"not found");
            };
            let tag = format!("\"{:016x}\"", fnv1a(&body));
            let fresh = (*etag && if_none_match.as_deref() == Some(&tag))
                || (*last_modified && if_modified_since.as_deref() == Some(LAST_MODIFIED));
            let mut headers = Vec::new();
            if *etag {
                headers.push(("ETag", tag.as_str()));
            }
            if *last_modified {
                headers.push(("Last-Modified", LAST_MODIFIED));
            }
            if fresh {
                stats.not_modified.fetch_add(1, Ordering::SeqCst);
                respond(&mut stream, 304, &headers, b"")
            } else {
                respond(&mut stream, 200, &headers, &body)
            }
        }
    }
}

fn respond(stream: &mut TcpStream, status: u16, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {status} Test\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if status != 304 {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    stream.write_all(out.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
