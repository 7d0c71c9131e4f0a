//! A sparse HTTP index (RFC 2789), read one crate at a time as it is asked for, with a cache that
//! revalidates instead of downloading again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::dir::{is_plausible_name, relative_path};
use crate::{CrateVersions, Error};

/// How a [`SparseIndex`] talks to its server. The defaults suit a server answering requests: answers are
/// reused for a minute, then revalidated.
#[derive(Clone, Debug)]
pub struct SparseOptions {
    ttl: Duration,
    connect_timeout: Duration,
    read_timeout: Duration,
    max_response_bytes: u64,
}

impl Default for SparseOptions {
    fn default() -> SparseOptions {
        SparseOptions {
            ttl: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            // The largest crate file of today's crates.io index is a few megabytes.
            max_response_bytes: 32 << 20,
        }
    }
}

impl SparseOptions {
    /// How long an answer (a crate's versions, or "no such crate") is reused without asking the server
    /// again (default 60 s). After that, the next lookup revalidates it with `If-None-Match` or
    /// `If-Modified-Since` when the server gave an `ETag` or `Last-Modified`, so an unchanged crate
    /// costs a `304 Not Modified` and no parsing. Zero revalidates on every lookup.
    pub fn ttl(mut self, ttl: Duration) -> SparseOptions {
        self.ttl = ttl;
        self
    }

    /// The limit on connecting to the server, name resolution included (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> SparseOptions {
        self.connect_timeout = timeout;
        self
    }

    /// The limit on waiting for the response's head, and again on reading its body (default 30 s).
    pub fn read_timeout(mut self, timeout: Duration) -> SparseOptions {
        self.read_timeout = timeout;
        self
    }

    /// The largest response body accepted, after decompression (default 32 MiB), so that a broken or
    /// hostile server cannot exhaust memory.
    pub fn max_response_bytes(mut self, bytes: u64) -> SparseOptions {
        self.max_response_bytes = bytes;
        self
    }
}

/// A registry index served over HTTP with the sparse protocol, such as `sparse+https://index.crates.io/`
/// or a private registry's.
///
/// Nothing is downloaded up front but `config.json`. Each crate's file is fetched the first time it is
/// asked for, from the same path as in the git layout (`se/rd/serde`), and kept in memory. The client
/// is blocking: call it from a thread that may block (in an async server, `spawn_blocking`). Lookups
/// from many threads are safe; two threads asking for the same uncached crate at once may both fetch
/// it.
pub struct SparseIndex {
    /// The index URL without `sparse+`, ending in `/`.
    base: String,
    dl: String,
    agent: ureq::Agent,
    options: SparseOptions,
    cache: Mutex<HashMap<String, Cached>>,
}

/// The last answer for one crate.
struct Cached {
    /// When the server last confirmed it.
    checked: Instant,
    krate: Option<Arc<CrateVersions>>,
    validators: Validators,
}

/// What the server said identifies the version of a file, for a conditional request.
#[derive(Clone, Default)]
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
}

/// The outcome of one request.
enum Fetched {
    Body(Vec<u8>, Validators),
    NotModified,
    Missing,
}

impl std::fmt::Debug for SparseIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SparseIndex").field("url", &self.base).field("options", &self.options).finish()
    }
}

impl SparseIndex {
    /// Connects to the sparse index at `url` (`sparse+https://…` or `https://…`; `http://` works too, for
    /// a registry on the same machine) and reads its `config.json`, which must be a JSON object with a
    /// `dl` string.
    pub fn open(url: &str, options: SparseOptions) -> Result<SparseIndex, Error> {
        let invalid = |reason: &str| Error::InvalidUrl { url: url.to_owned(), reason: reason.to_owned() };
        let mut base = url.strip_prefix("sparse+").unwrap_or(url).to_owned();
        let scheme_len = ["https://", "http://"].iter().find(|s| base.starts_with(*s)).map(|s| s.len());
        let Some(scheme_len) = scheme_len else {
            return Err(invalid("expected an http:// or https:// URL, optionally with a sparse+ prefix"));
        };
        if base.len() == scheme_len || base[scheme_len..].starts_with('/') {
            return Err(invalid("the URL has no host"));
        }
        if base.contains(['?', '#']) {
            return Err(invalid("an index URL has no query or fragment"));
        }
        if !base.ends_with('/') {
            base.push('/');
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_recv_response(Some(options.read_timeout))
            .timeout_recv_body(Some(options.read_timeout))
            .user_agent(concat!("cratewatch/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        let mut index = SparseIndex { base, dl: String::new(), agent, options, cache: Mutex::default() };
        let config_url = format!("{}config.json", index.base);
        let config = match index.fetch(&config_url, None)? {
            Fetched::Body(body, _) => body,
            Fetched::Missing => {
                let reason = "not found: a registry index serves a config.json at its root".to_owned();
                return Err(Error::InvalidRemoteConfig { url: config_url, reason });
            }
            Fetched::NotModified => unreachable!("an unconditional request is never answered 304"),
        };
        let invalid = |reason: String| Error::InvalidRemoteConfig { url: config_url.clone(), reason };
        let config: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&config).map_err(|e| invalid(format!("not a JSON object: {e}")))?;
        let Some(dl) = config.get("dl").and_then(serde_json::Value::as_str) else {
            return Err(invalid("the `dl` download URL is missing or not a string".to_owned()));
        };
        index.dl = dl.to_owned();
        Ok(index)
    }

    /// The index URL, without `sparse+` and ending in `/`.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// The `dl` download URL (or URL template) from the index's `config.json`.
    pub fn download_url(&self) -> &str {
        &self.dl
    }

    /// Every version of crate `name` (ASCII case ignored, as the index's lowercase paths ignore it), or
    /// `None` when the server answers 404, 410 or 451 for its file. A name that cannot be a crate name
    /// is `None` without a request. Answers are cached as [`SparseOptions::ttl`] says.
    pub fn crate_versions(&self, name: &str) -> Result<Option<Arc<CrateVersions>>, Error> {
        if !is_plausible_name(name) {
            return Ok(None);
        }
        let key = name.to_ascii_lowercase();
        let cached = self.lock().get(&key).map(|c| (c.checked, c.krate.clone(), c.validators.clone()));
        if let Some((checked, krate, _)) = &cached
            && checked.elapsed() < self.options.ttl
        {
            return Ok(krate.clone());
        }
        // Revalidate only what the server had: a cached 404 is asked for again in full.
        let validators = cached.as_ref().filter(|c| c.1.is_some()).map(|c| &c.2);
        let url = format!("{}{}", self.base, relative_path(&key));
        let (krate, validators) = match self.fetch(&url, validators)? {
            Fetched::NotModified => {
                let (_, krate, validators) = cached.expect("a conditional request had a cached answer");
                (krate, validators)
            }
            Fetched::Missing => (None, Validators::default()),
            Fetched::Body(body, validators) => (Some(Arc::new(CrateVersions::parse(&key, &body))), validators),
        };
        let entry = Cached { checked: Instant::now(), krate: krate.clone(), validators };
        self.lock().insert(key, entry);
        Ok(krate)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        // The map is consistent after any panic (entries are replaced whole), so a poisoned lock is fine.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One GET, conditional when `validators` are given.
    fn fetch(&self, url: &str, validators: Option<&Validators>) -> Result<Fetched, Error> {
        let failed = |reason: String| Error::Fetch { url: url.to_owned(), reason };
        let mut request = self.agent.get(url);
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                request = request.header("If-None-Match", etag);
            }
            if let Some(date) = &v.last_modified {
                request = request.header("If-Modified-Since", date);
            }
        }
        let mut response = request.call().map_err(|e| failed(describe(&e, self.options.max_response_bytes)))?;
        let status = response.status().as_u16();
        match status {
            200 => {
                let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                let validators = Validators { etag: header("etag"), last_modified: header("last-modified") };
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(self.options.max_response_bytes)
                    .read_to_vec()
                    .map_err(|e| failed(describe(&e, self.options.max_response_bytes)))?;
                Ok(Fetched::Body(body, validators))
            }
            304 if validators.is_some() => Ok(Fetched::NotModified),
            404 | 410 | 451 => Ok(Fetched::Missing),
            401 | 403 => Err(failed(format!(
                "HTTP status {status}: the registry requires authentication, which cratewatch does not send"
            ))),
            _ => Err(failed(format!("unexpected HTTP status {status}"))),
        }
    }
}

/// A lowercase reason for a failed request.
fn describe(error: &ureq::Error, limit: u64) -> String {
    match error {
        ureq::Error::Timeout(which) => format!("timed out ({which})"),
        ureq::Error::BodyExceedsLimit(_) => format!("the response is larger than the limit of {limit} bytes"),
        ureq::Error::Io(e) => format!("connection failed: {e}"),
        other => other.to_string(),
    }
}
