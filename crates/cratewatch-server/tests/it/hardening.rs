//! The service under hostile and unlucky conditions: a panic inside a request, clients that send
//! their headers one byte at a time or stay idle, bodies over the limit sent without waiting, and
//! requests to every declared route with malformed input. Each answer is a complete HTTP response in
//! the route's own error shape, with the security headers, and the service goes on serving.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cratewatch_index::{CrateSource, CrateVersions, Error};
use cratewatch_server::{Access, DbSource, MetricsAccess, Settings};
use serde_json::Value;

use crate::harness::{Server, agent, shared, snapshot, test_settings};

/// An index that panics for one crate name, as a bug in a lookup would: the injected fault.
struct PanickingIndex(Arc<dyn CrateSource>);

impl CrateSource for PanickingIndex {
    fn crate_versions(&self, name: &str) -> Result<Option<Arc<CrateVersions>>, Error> {
        if name == "boom-crate" {
            panic!("injected fault: the index lookup of boom-crate panicked");
        }
        self.0.crate_versions(name)
    }

    fn describe(&self) -> String {
        "a panicking index".to_owned()
    }

    fn may_block(&self) -> bool {
        false
    }
}

fn server_with(settings: Settings) -> Server {
    let index = Arc::new(PanickingIndex(snapshot(&cratewatch_testdata::crates_index_2020())));
    Server::start_custom(vec![DbSource::Path(cratewatch_testdata::advisory_db())], index, None, None, settings)
}

/// A raw HTTP exchange: writes `request`, reads until the server closes or `wait` passes.
fn raw(address: SocketAddr, request: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

#[test]
fn a_panic_in_one_request_is_a_500_in_the_route_shape_and_the_service_goes_on() {
    let server = server_with(test_settings());
    let page = server.get("/crates/boom-crate");
    assert_eq!(page.status, 500);
    assert_eq!(page.content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert!(page.body.contains("the failure is logged"), "{}", page.body);
    assert!(!page.body.contains("injected fault"), "no panic message reaches a client: {}", page.body);

    let api = server.get("/api/v1/crates/boom-crate/security");
    assert_eq!(api.status, 500);
    let envelope: Value = serde_json::from_str(&api.body).unwrap();
    assert!(envelope["errors"][0]["detail"].as_str().unwrap().contains("failed"), "{envelope}");

    // The service is still up, serves everything else, and says what happened.
    assert_eq!(server.get("/crates/smallvec/security").status, 200);
    let health = server.json("/healthz");
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["panics"], 2, "{health}");
    let reasons = health["reasons"].to_string();
    assert!(reasons.contains("/crates/{name}") && reasons.contains("injected fault"), "{reasons}");
    let metrics = server.get("/metrics").body;
    assert!(metrics.lines().any(|l| l == "cratewatch_panics_total 2"), "{metrics}");
}

#[test]
fn the_release_profile_unwinds() {
    // The service catches panics per request and per sync; with `panic = "abort"` none of that could
    // run. Guard the setting that makes the tests above meaningful for the shipped binary.
    let manifest = std::fs::read_to_string(cratewatch_testdata::workspace_root().join("Cargo.toml")).unwrap();
    let table: toml::Table = manifest.parse().unwrap();
    let release = &table["profile"]["release"];
    assert_ne!(release.get("panic").and_then(|p| p.as_str()), Some("abort"), "{release:?}");
}

#[test]
fn slow_and_idle_clients_are_disconnected_while_others_are_served() {
    let settings = Settings { header_timeout: Duration::from_secs(1), max_connections: 4, ..test_settings() };
    let server = server_with(settings);
    let address = server.address;

    // Four clients take every connection the server allows, sending their headers a byte at a time.
    let slow: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(address).unwrap();
                stream.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
                let started = Instant::now();
                for byte in b"GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: ".iter().cycle() {
                    if stream.write_all(&[*byte]).is_err() {
                        break;
                    }
                    let mut buf = [0; 512];
                    match stream.read(&mut buf) {
                        Ok(0) => break,
                        Ok(_) => break,
                        Err(e)
                            if e.kind() == std::io::ErrorKind::WouldBlock
                                || e.kind() == std::io::ErrorKind::TimedOut => {}
                        Err(_) => break,
                    }
                    assert!(started.elapsed() < Duration::from_secs(20), "a slow client was never disconnected");
                }
                started.elapsed()
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // A normal client is served once the slow ones are cut off.
    let started = Instant::now();
    let reply = server.get("/healthz");
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() < Duration::from_secs(5), "served after {:?}", started.elapsed());
    for handle in slow {
        let held = handle.join().unwrap();
        assert!(held < Duration::from_secs(4), "a slow client was held for {held:?}");
    }

    // A keep-alive connection left idle after a request is closed too.
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: idle\r\n\r\n").unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut first = [0; 4096];
    let n = stream.read(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    let idle = Instant::now();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(idle.elapsed() < Duration::from_secs(4), "an idle connection was held for {:?}", idle.elapsed());
}

#[test]
fn a_large_body_sent_without_waiting_gets_a_complete_413_in_the_route_shape() {
    let server = shared();
    let big = vec![b'x'; 10 * 1024 * 1024];
    for (path, shape) in [("/v1/query", "osv"), ("/api/v1/audit", "envelope")] {
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            big.len()
        )
        .into_bytes();
        request.extend_from_slice(&big);
        let response = raw(server.address, &request, Duration::from_secs(30));
        assert!(response.starts_with("HTTP/1.1 413"), "{path}: {}", &response[..response.len().min(300)]);
        assert_eq!(header(&response, "content-type"), Some("application/json"), "{path}");
        assert!(header(&response, "content-security-policy").is_some(), "{path}: security headers");
        assert_eq!(header(&response, "x-content-type-options"), Some("nosniff"), "{path}");
        let body: Value = serde_json::from_str(body(&response)).unwrap_or_else(|e| panic!("{path}: {e}: {response}"));
        match shape {
            "osv" => assert_eq!(body["code"], 8, "{body}"),
            _ => assert!(body["errors"][0]["detail"].as_str().unwrap().contains("larger than"), "{body}"),
        }
    }
    // A client that waits for `100 Continue` is refused at once, before sending anything.
    let response = raw(
        server.address,
        b"POST /v1/query HTTP/1.1\r\nHost: t\r\nContent-Length: 10485760\r\nExpect: 100-continue\r\n\r\n",
        Duration::from_secs(10),
    );
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
}

/// Every declared route, with a malformed version of its input: each 4xx is in the route's shape and
/// carries the security headers.
#[test]
fn every_route_answers_malformed_input_in_its_own_shape() {
    let server = shared();
    let routes = cratewatch_server::routes();
    assert!(routes.len() > 30, "{} routes", routes.len());
    let mut checked = 0;
    for route in &routes {
        // Path parameters that are not UTF-8 once decoded, and a repeated query parameter.
        let path = route.path.split('/').map(|seg| if seg.starts_with('{') { "%FF" } else { seg }).collect::<Vec<_>>();
        let mut targets = vec![path.join("/")];
        targets.push(format!("{}?since=a&since=b&page=a&page=b&q=a&q=b", route.path.replace(['{', '}'], "")));
        for method in &route.methods {
            for target in &targets {
                let mut request = ureq::http::Request::builder().method(method.as_str()).uri(server.url(target));
                let body = if method == "POST" {
                    request = request.header("content-type", "application/json");
                    "{not json"
                } else {
                    ""
                };
                let response = agent().run(request.body(body.to_owned()).unwrap()).unwrap();
                let status = response.status().as_u16();
                let get = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                let content_type = get("content-type").unwrap_or_default();
                let csp = get("content-security-policy");
                let nosniff = get("x-content-type-options");
                let text = response.into_body().read_to_string().unwrap_or_default();
                let place = format!("{method} {target} ({})", route.access.as_str());
                assert!(status < 500, "{place}: {status} {text}");
                assert!(csp.is_some() && nosniff.as_deref() == Some("nosniff"), "{place}: security headers");
                if !(400..500).contains(&status) {
                    continue;
                }
                checked += 1;
                match route.access {
                    Access::PublicApi | Access::WorkflowApi | Access::Operations => {
                        assert_eq!(content_type, "application/json", "{place}: {text}");
                        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{place}: {e}: {text}"));
                        assert!(v["errors"][0]["detail"].is_string(), "{place}: {v}");
                    }
                    Access::Osv => {
                        assert_eq!(content_type, "application/json", "{place}: {text}");
                        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{place}: {e}: {text}"));
                        assert!(v["code"].is_u64() && v["message"].is_string(), "{place}: {v}");
                    }
                    _ => {
                        assert!(content_type.starts_with("text/html"), "{place}: {content_type} {text}");
                        assert!(text.contains("<h1>"), "{place}: {text}");
                    }
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} refusals checked");
}

#[test]
fn options_and_methods_follow_the_route_table_and_cors_is_for_public_data_only() {
    let server = shared();
    let options = |path: &str, preflight: bool| {
        let mut request = ureq::http::Request::builder().method("OPTIONS").uri(server.url(path));
        if preflight {
            request = request
                .header("origin", "https://registry.example")
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type");
        }
        let response = agent().run(request.body(String::new()).unwrap()).unwrap();
        let get = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        (
            response.status().as_u16(),
            get("allow"),
            get("access-control-allow-origin"),
            get("access-control-allow-methods"),
        )
    };
    assert_eq!(options("/v1/query", false), (204, Some("POST, OPTIONS".into()), Some("*".into()), None));
    let (status, allow, origin, methods) = options("/v1/querybatch", true);
    assert_eq!((status, allow.as_deref(), origin.as_deref()), (204, Some("POST, OPTIONS"), Some("*")));
    assert_eq!(methods.as_deref(), Some("POST, OPTIONS"));
    assert_eq!(options("/api/v1/crates/smallvec/security", false).1.as_deref(), Some("GET, HEAD, OPTIONS"));
    // The workflow's routes allow no other origin.
    let (status, allow, origin, methods) = options("/api/v1/reports", true);
    assert_eq!((status, allow.as_deref()), (204, Some("GET, HEAD, POST, OPTIONS")));
    assert_eq!((origin, methods), (None, None));

    // Public data carries `Access-Control-Allow-Origin: *`; pages and the workflow do not.
    let cors = |path: &str| {
        let response = agent().get(&server.url(path)).header("origin", "https://registry.example").call().unwrap();
        response.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()).map(str::to_owned)
    };
    for path in
        ["/api/v1/crates/smallvec/security", "/v1/vulns/RUSTSEC-2019-0009", "/packages/smallvec.json", "/feed.xml"]
    {
        assert_eq!(cors(path).as_deref(), Some("*"), "{path}");
    }
    for path in ["/crates/smallvec", "/api/v1/reports", "/signin", "/report"] {
        assert_eq!(cors(path), None, "{path}");
    }
    // A method the route does not take: 405 with the route's Allow.
    let response = agent().post(&server.url("/api/v1/advisories")).send("{}").unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers().get("allow").unwrap(), "GET, HEAD, OPTIONS");
}

#[test]
fn packages_document_is_a_404_for_a_crate_without_advisories_as_on_rustsec_org() {
    let server = shared();
    let none = server.get("/packages/serde.json");
    assert_eq!(none.status, 404, "{}", none.body);
    let body: Value = serde_json::from_str(&none.body).unwrap();
    assert_eq!(body["code"], 5);
    let some = server.get("/packages/smallvec.json");
    assert_eq!(some.status, 200);
    assert!(serde_json::from_str::<Value>(&some.body).unwrap().as_array().unwrap().len() >= 3);
}

#[test]
fn metrics_are_private_unless_asked_for() {
    // The default: not on the main listener.
    let hidden = server_with(Settings { metrics: MetricsAccess::Hidden, ..test_settings() });
    assert_eq!(hidden.get("/metrics").status, 404);
    drop(hidden);
    // Behind a token: 401 without it, 200 with it, whatever the case of the scheme name.
    let token = "0123456789abcdef0123";
    let guarded = server_with(Settings { metrics: MetricsAccess::Token(token.into()), ..test_settings() });
    assert_eq!(guarded.get("/metrics").status, 401);
    assert_eq!(guarded.get_with("/metrics", &[("authorization", "Bearer wrong-token-wrong-token")]).status, 401);
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let reply = guarded.get_with("/metrics", &[("authorization", &format!("{scheme} {token}"))]);
        assert_eq!(reply.status, 200, "{scheme}");
        assert!(reply.body.contains("# TYPE cratewatch_http_requests_total counter"));
    }
}
