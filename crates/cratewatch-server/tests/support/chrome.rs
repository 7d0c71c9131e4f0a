//! Headless Chromium driven through chromedriver, shared by the browser test targets
//! (`tests/browser.rs`, `tests/disclosure_browser.rs`), which include it with `#[path]`.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cratewatch_testdata::scratch_dir;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

/// Where Chromium and chromedriver are.
pub(crate) struct Tools {
    pub(crate) chromium: PathBuf,
    pub(crate) chromedriver: PathBuf,
}

impl Tools {
    /// Finds both on `PATH`, or fails the test with how to install them.
    pub(crate) fn find() -> Tools {
        let chromium = ["chromium", "chromium-browser"].iter().find_map(|n| on_path(n));
        let chromedriver = on_path("chromedriver");
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Tools { chromium, chromedriver },
            (chromium, chromedriver) => {
                let missing: Vec<&str> = [(chromium.is_none(), "chromium"), (chromedriver.is_none(), "chromedriver")]
                    .into_iter()
                    .filter_map(|(gone, name)| gone.then_some(name))
                    .collect();
                panic!(
                    "the browser tests need headless Chromium and chromedriver, and {} not on PATH.\n\
                     Install them (Debian, Ubuntu): sudo apt-get install chromium chromium-driver\n\
                     (scripts/test.sh does this when they are missing)",
                    if missing.len() == 1 {
                        format!("{} is", missing[0])
                    } else {
                        format!("{} are", missing.join(" and "))
                    }
                );
            }
        }
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// A chromedriver process on a free loopback port, in its own process group so that the Chromium it
/// starts goes away with it.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts chromedriver, logging to `scratch/<log_dir>/chromedriver.log`.
    pub(crate) fn start(tools: &Tools, log_dir: &str) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let log = scratch_dir(log_dir).join("chromedriver.log");
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", tools.chromedriver.display()));
        let mut driver = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited with {status} before listening; see {}", log.display());
            }
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port} within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    /// A new headless Chromium session, with `extra` arguments (a window size, say).
    pub(crate) async fn session(&self, tools: &Tools, extra: &[&str]) -> Client {
        let mut args = vec!["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"];
        args.extend_from_slice(extra);
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": tools.chromium, "args": args },
        });
        let Value::Object(capabilities) = capabilities else { unreachable!("an object literal") };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| {
                panic!("cannot start headless Chromium ({}) through chromedriver: {e}", tools.chromium.display())
            })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM to the group this test created (chromedriver and any Chromium left behind), then make
        // sure of chromedriver itself.
        let _ = Command::new("kill").arg("-TERM").arg("--").arg(format!("-{}", self.child.id())).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
