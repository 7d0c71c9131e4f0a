//! Starts a real server on 127.0.0.1:0 in a background thread and talks HTTP to it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use cratewatch_index::{CrateSource, IndexSnapshot};
use cratewatch_server::{AppState, DbSource, MetricsAccess, ServeConfig, Settings};

/// A running server; dropping it shuts the server down and waits for it.
pub(crate) struct Server {
    pub(crate) address: SocketAddr,
    pub(crate) state: Arc<AppState>,
    /// The server's runtime, to run async calls (the store, the scheduler) from a test thread.
    runtime: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl Server {
    pub(crate) fn start(db: &Path, index: Option<&Path>, sync_interval: Option<Duration>) -> Server {
        Server::start_with(DbSource::Path(db.to_owned()), index, sync_interval)
    }

    pub(crate) fn start_with(db: DbSource, index: Option<&Path>, sync_interval: Option<Duration>) -> Server {
        Server::start_merged(vec![db], index, sync_interval)
    }

    /// A server over several sources merged, the first one first.
    pub(crate) fn start_merged(dbs: Vec<DbSource>, index: Option<&Path>, sync_interval: Option<Duration>) -> Server {
        Server::start_full(dbs, index, sync_interval, None)
    }

    /// A server over the real advisory database (no index, no sync) with the disclosure workflow on
    /// the store at `database_url`.
    pub(crate) fn start_disclosure(setup: cratewatch_server::DisclosureSetup) -> Server {
        Server::start_full(vec![DbSource::Path(cratewatch_testdata::advisory_db())], None, None, Some(setup))
    }

    pub(crate) fn start_full(
        dbs: Vec<DbSource>,
        index: Option<&Path>,
        sync_interval: Option<Duration>,
        disclosure: Option<cratewatch_server::DisclosureSetup>,
    ) -> Server {
        let index: Arc<dyn CrateSource> = match index {
            Some(path) => snapshot(path),
            None => Arc::new(cratewatch_server::NoIndex),
        };
        Server::start_custom(dbs, index, sync_interval, disclosure, test_settings())
    }

    /// A server with every part given.
    pub(crate) fn start_custom(
        mut dbs: Vec<DbSource>,
        index: Arc<dyn CrateSource>,
        sync_interval: Option<Duration>,
        disclosure: Option<cratewatch_server::DisclosureSetup>,
        settings: Settings,
    ) -> Server {
        let db = dbs.remove(0);
        let config = ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            db,
            extra_dbs: dbs,
            index,
            reach: None,
            sync_interval,
            settings,
            metrics_listen: None,
            disclosure,
        };
        Server::start_config(config)
    }

    /// A server over `db` and the 2020 index loaded whole, computing ecosystem reach (not waited for).
    pub(crate) fn start_reach(db: &Path, sync_interval: Option<Duration>) -> Server {
        let index = snapshot_2020();
        Server::start_config(ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            db: DbSource::Path(db.to_owned()),
            extra_dbs: Vec::new(),
            index: Arc::clone(&index) as Arc<dyn CrateSource>,
            reach: Some(index),
            sync_interval,
            settings: test_settings(),
            metrics_listen: None,
            disclosure: None,
        })
    }

    /// A server with the configuration given.
    pub(crate) fn start_config(config: ServeConfig) -> Server {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, is_ready) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            let handle = runtime.handle().clone();
            runtime.block_on(cratewatch_server::serve(
                config,
                async move {
                    let _ = stopped.await;
                },
                move |address, state| ready.send((address, state, handle)).unwrap(),
            ))
        });
        let (address, state, runtime) = is_ready.recv_timeout(Duration::from_secs(60)).expect("server did not start");
        Server { address, state, runtime, stop: Some(stop), thread: Some(thread) }
    }

    /// Runs `future` on the server's runtime and waits for it.
    pub(crate) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Sends `method path` with a JSON body (or none) and the headers; returns the status and the body
    /// as JSON (`Null` when it is not JSON).
    pub(crate) fn send_json(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let url = self.url(path);
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = request.header("content-type", "application/json").body(body).unwrap();
        let response = agent().run(request).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.into_body().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    /// POSTs `text` as plain text; the status and the body.
    pub(crate) fn post_text(&self, path: &str, text: &str) -> (u16, String) {
        let response = agent()
            .post(&self.url(path))
            .header("content-type", "text/plain")
            .send(text)
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        (status, response.into_body().read_to_string().unwrap_or_default())
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[])
    }

    pub(crate) fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = agent().get(&self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.call().unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (content_type, etag, cache_control, location, retry_after) = (
            header("content-type"),
            header("etag"),
            header("cache-control"),
            header("location"),
            header("retry-after"),
        );
        let body = response.into_body().read_to_string().unwrap_or_default();
        Reply { status, content_type, etag, cache_control, location, retry_after, body }
    }

    pub(crate) fn json(&self, path: &str) -> serde_json::Value {
        let reply = self.get(path);
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let result = thread.join();
            if !std::thread::panicking() {
                result.expect("server thread panicked").expect("server failed");
            }
        }
    }
}

/// One HTTP response, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) etag: Option<String>,
    pub(crate) cache_control: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) retry_after: Option<String>,
    pub(crate) body: String,
}

/// A client that reports 4xx/5xx as responses and does not follow redirects.
pub(crate) fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into()
    })
}

/// The settings of test servers: long cache, public metrics.
pub(crate) fn test_settings() -> Settings {
    Settings { cache_ttl: Duration::from_secs(300), metrics: MetricsAccess::Public, ..Settings::default() }
}

/// The server over the shared data, started once for the tests that only read, with ecosystem reach
/// (returned once reach is computed, so that every page is as it will stay).
pub(crate) fn shared() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let server = Server::start_reach(&cratewatch_testdata::advisory_db(), None);
        wait_for_reach(&server);
        server
    })
}

/// Waits until `server`'s `/healthz` says reach is ready (at most five minutes).
pub(crate) fn wait_for_reach(server: &Server) {
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        let (status, health) = server.send_json("GET", "/healthz", None, &[]);
        assert_eq!(status, 200, "{health}");
        match health["reach"].as_str() {
            Some("ready") => return,
            Some("computing") if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            other => panic!("reach is {other:?}: {health}"),
        }
    }
}

/// The 2020 index loaded whole once and shared by every server of the test run.
pub(crate) fn snapshot(path: &Path) -> Arc<dyn CrateSource> {
    assert_eq!(path, cratewatch_testdata::crates_index_2020());
    snapshot_2020() as Arc<dyn CrateSource>
}

/// The 2020 index, loaded whole once.
pub(crate) fn snapshot_2020() -> Arc<IndexSnapshot> {
    static SNAPSHOT: OnceLock<Arc<IndexSnapshot>> = OnceLock::new();
    let snapshot =
        SNAPSHOT.get_or_init(|| Arc::new(IndexSnapshot::load(&cratewatch_testdata::crates_index_2020()).unwrap()));
    Arc::clone(snapshot)
}
