//! No data loss: a `cratewatch serve` killed with SIGKILL in the middle of a workflow step leaves the
//! report as it was before the step, and one killed after the step leaves it as it is after; never
//! in between. Real processes, on both stores.
//!
//! Unix only: the test is about SIGKILL (what `kill -9` and the OOM killer do), which other systems
//! do not have.

#![cfg(unix)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use super::cratewatch;
use super::serve::{Server, start_server_with};

/// One HTTP/1.1 request with a JSON body; the status and the body.
fn http(address: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, serde_json::Value) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read the response");
    let status = response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{response}"));
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
}

fn serve(url: &str, env: &[(&str, &str)]) -> Server {
    start_server_with(&["--database-url", url], env)
}

fn kill_9(server: &mut Server) {
    let status = Command::new("kill").args(["-KILL", &server.child.id().to_string()]).status().expect("run kill");
    assert!(status.success());
    let exit = server.child.wait().expect("wait");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&exit), Some(9));
}

/// The report's state and the actions of its timeline.
fn report(address: &str, token: &str, id: i64) -> (String, Vec<String>) {
    let (status, body) = http(address, "GET", &format!("/api/v1/reports/{id}"), Some(token), "");
    assert_eq!(status, 200, "{body}");
    let actions = body["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned());
    (body["report"]["state"].as_str().unwrap().to_owned(), actions.collect())
}

#[test]
fn a_kill_9_mid_step_leaves_the_report_before_or_after_on_sqlite() {
    kill_9_mid_step("sqlite");
}

#[test]
fn a_kill_9_mid_step_leaves_the_report_before_or_after_on_postgres() {
    kill_9_mid_step("postgres");
}

fn kill_9_mid_step(backend: &str) {
    let url = cratewatch_testdata::store_url(backend, &format!("crash-{backend}"));
    let added = cratewatch(&["user", "add", "carol", "--role", "coordinator", "--database-url", &url]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    let token = added.stdout.lines().last().unwrap().to_owned();
    assert!(token.starts_with("cw_"), "{}", added.stdout);

    // A server that stops inside the step's transaction, after every write and before the commit.
    let mut paused = serve(&url, &[("CRATEWATCH_STORE_CRASH_POINT", "pause-before-commit")]);
    let (status, created) = http(
        &paused.address,
        "POST",
        "/api/v1/reports",
        None,
        r#"{"title": "Crash test", "description": "A report to crash on.", "reporter_email": "r@example.test"}"#,
    );
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let address = paused.address.clone();
    let step = {
        let token = token.clone();
        std::thread::spawn(move || {
            let mut stream = TcpStream::connect(&address).unwrap();
            let body = r#"{"action": "acknowledge"}"#;
            let _ = write!(
                stream,
                "POST /api/v1/reports/{id}/actions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer \
                 {token}\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let mut response = String::new();
            let _ = stream.read_to_string(&mut response);
            response
        })
    };
    paused.wait_for("store: paused before commit", Duration::from_secs(30));
    kill_9(&mut paused);
    assert_eq!(step.join().unwrap(), "", "the client got no answer: the server died mid-step");

    // Restarted: the report is as it was before the step, with nothing half-written.
    let mut second = serve(&url, &[]);
    assert_eq!(report(&second.address, &token, id), ("received".to_owned(), vec!["received".to_owned()]));
    // The step then goes through; a kill right after it keeps it.
    let (status, body) = http(
        &second.address,
        "POST",
        &format!("/api/v1/reports/{id}/actions"),
        Some(&token),
        r#"{"action": "acknowledge"}"#,
    );
    assert_eq!(status, 200, "{body}");
    kill_9(&mut second);
    let third = serve(&url, &[]);
    let (state, actions) = report(&third.address, &token, id);
    assert_eq!((state.as_str(), actions), ("acknowledged", vec!["received".to_owned(), "acknowledge".to_owned()]));
}
