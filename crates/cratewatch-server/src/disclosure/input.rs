//! Turning request fields (JSON bodies and HTML forms alike) into workflow actions, and the rate
//! limit of the public report form.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cratewatch_disclosure::{Action, ChecklistItem, RejectReason, Rejection};
use jiff::Timestamp;

/// Reads `action` and its fields through `field` (a JSON object's string/number/bool values, or a
/// form's values, as text). `from_reporter` is what an `add_message` is marked as: a reporter's
/// messages are always theirs; staff may not pretend to be the reporter through the API.
pub(crate) fn parse_action(
    action: &str,
    field: &dyn Fn(&str) -> Option<String>,
    from_reporter: bool,
) -> Result<Action, String> {
    let text = |name: &str| -> Result<String, String> {
        field(name).filter(|v| !v.trim().is_empty()).ok_or_else(|| format!("`{name}` is required for `{action}`"))
    };
    let int = |name: &str| -> Result<i64, String> {
        let value = text(name)?;
        value.trim().parse().map_err(|_| format!("`{name}` must be an integer, not `{value}`"))
    };
    let flag = |name: &str| -> Result<bool, String> {
        match field(name).as_deref().map(str::trim) {
            None | Some("" | "false" | "off" | "0") => Ok(false),
            Some("true" | "on" | "1") => Ok(true),
            Some(other) => Err(format!("`{name}` must be true or false, not `{other}`")),
        }
    };
    let item = |name: &str| -> Result<ChecklistItem, String> {
        let value = text(name)?;
        value.parse().map_err(|_| format!("`{name}`: unknown checklist item `{value}`"))
    };
    Ok(match action {
        "acknowledge" => Action::Acknowledge,
        // The RUSTSEC id is allocated by the service in the same transaction.
        "accept" => Action::Accept { rustsec_id: String::new() },
        "reject" => {
            let reason = text("reason")?;
            let reason: RejectReason =
                reason.parse().map_err(|_| format!("`reason` `{reason}` is not a rejection reason"))?;
            let duplicate_of = match field("duplicate_of").filter(|v| !v.trim().is_empty()) {
                Some(_) => Some(int("duplicate_of")?),
                None => None,
            };
            Action::Reject(Rejection { reason, detail: text("detail")?, duplicate_of })
        }
        "start_fix" => Action::StartFix {
            handler: int("handler")?,
            affected_versions_confirmed: flag("affected_versions_confirmed")?,
            similar_code_audited: flag("similar_code_audited")?,
        },
        "submit_draft" => Action::SubmitDraft { text: text("text")? },
        "revise_draft" => Action::ReviseDraft,
        "embargo" => {
            let until = text("until")?;
            let until: Timestamp = until
                .trim()
                .parse()
                .map_err(|_| format!("`until` `{until}` is not an RFC 3339 time (e.g. 2026-12-01T16:00:00Z)"))?;
            Action::Embargo { until }
        }
        "cancel_embargo" => Action::CancelEmbargo,
        "publish" => Action::Publish,
        "lift_embargo_early" => Action::LiftEmbargoEarly { reason: text("reason")? },
        "update" => Action::Update { text: text("text")? },
        "withdraw" => Action::Withdraw { reason: text("reason")? },
        "add_message" => Action::AddMessage { from_reporter, body: text("body")? },
        "assign" => Action::Assign { handler: int("handler")? },
        "set_cve" => Action::SetCve { cve: text("cve")?.trim().to_owned() },
        "edit_draft" => Action::EditDraft { text: text("text")? },
        "check_item" => Action::CheckItem { item: item("item")? },
        "uncheck_item" => Action::UncheckItem { item: item("item")? },
        other => return Err(format!("unknown action `{other}`")),
    })
}

/// The client's address for the rate limit: the peer's, or, when the peer is one of the trusted
/// reverse proxies, the nearest address in `X-Forwarded-For` that is not one of them (proxies append
/// the address they received from, so the right-most untrusted entry is the one no client can forge).
pub(crate) fn client_ip(request: &axum::extract::Request, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()?.0.ip();
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded = request.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    let hops: Vec<IpAddr> = forwarded.flat_map(|v| v.split(',')).filter_map(|a| a.trim().parse().ok()).collect();
    Some(hops.into_iter().rev().find(|ip| !trusted_proxies.contains(ip)).unwrap_or(peer))
}

/// How many client addresses the limiter remembers at most.
const MAX_CLIENTS: usize = 100_000;

/// A fixed-window limit per client address (per /64 for IPv6): at most `per_window` submissions in each window.
pub(crate) struct RateLimiter {
    per_window: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter { per_window: 5, window: Duration::from_secs(3600), seen: Mutex::default() }
    }
}

impl RateLimiter {
    /// Counts one submission from `client`; `Err` with the seconds to wait when over the limit.
    pub(crate) fn check(&self, client: Option<IpAddr>) -> Result<(), u64> {
        // One IPv6 host usually holds a whole /64: count the /64, or each address would be a new client.
        let client = match client.unwrap_or(IpAddr::from([0, 0, 0, 0])) {
            IpAddr::V6(v6) => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::from(octets)
            }
            v4 => v4,
        };
        let now = Instant::now();
        let mut seen = crate::state::lock(&self.seen);
        if seen.len() >= MAX_CLIENTS {
            seen.retain(|_, (start, _)| now.duration_since(*start) < self.window);
            // Still full of live entries (a flood from many addresses): forget the older half, so that
            // memory stays bounded; those clients start a new window.
            if seen.len() >= MAX_CLIENTS / 2 {
                let mut starts: Vec<Instant> = seen.values().map(|(start, _)| *start).collect();
                starts.sort_unstable();
                let cut = starts[starts.len() / 2];
                seen.retain(|_, (start, _)| *start > cut);
            }
        }
        let (start, count) = seen.entry(client).or_insert((now, 0));
        if now.duration_since(*start) >= self.window {
            *start = now;
            *count = 0;
        }
        if *count >= self.per_window {
            return Err(self.window.saturating_sub(now.duration_since(*start)).as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, forwarded: &[&str]) -> axum::extract::Request {
        let mut request = axum::extract::Request::new(axum::body::Body::empty());
        let peer: std::net::SocketAddr = format!("{peer}:4000").parse().unwrap();
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        for value in forwarded {
            request.headers_mut().append("x-forwarded-for", value.parse().unwrap());
        }
        request
    }

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_right_most_untrusted_hop() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // Without trusted proxies, the header is ignored: anyone can send it.
        assert_eq!(client_ip(&request("10.0.0.2", &["198.51.100.7"]), &[]), ip("10.0.0.2"));
        // From the proxy: the address it appended, not what the client claimed before it.
        assert_eq!(client_ip(&request("10.0.0.2", &["1.2.3.4, 198.51.100.7"]), &[proxy]), ip("198.51.100.7"));
        assert_eq!(
            client_ip(&request("10.0.0.2", &["1.2.3.4", "198.51.100.7, 10.0.0.2"]), &[proxy]),
            ip("198.51.100.7")
        );
        // A direct client sending the header gains nothing.
        assert_eq!(client_ip(&request("203.0.113.9", &["198.51.100.7"]), &[proxy]), ip("203.0.113.9"));
        // A proxy that sent no usable header: the proxy itself.
        assert_eq!(client_ip(&request("10.0.0.2", &["junk"]), &[proxy]), ip("10.0.0.2"));
    }

    #[test]
    fn the_limit_counts_per_address_and_per_ipv6_64() {
        let limiter = RateLimiter::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..5 {
            assert!(limiter.check(Some(a)).is_ok());
        }
        assert!(limiter.check(Some(a)).is_err());
        assert!(limiter.check(Some("192.0.2.2".parse().unwrap())).is_ok(), "another address");
        for i in 0..5 {
            assert!(limiter.check(Some(format!("2001:db8::{i}").parse().unwrap())).is_ok());
        }
        assert!(limiter.check(Some("2001:db8::ffff:1".parse().unwrap())).is_err(), "the same /64");
        assert!(limiter.check(Some("2001:db8:0:1::1".parse().unwrap())).is_ok(), "another /64");
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_addresses() {
        let limiter = RateLimiter::default();
        for i in 0..(MAX_CLIENTS as u32 + 10) {
            let _ = limiter.check(Some(IpAddr::from(i.to_be_bytes())));
        }
        assert!(limiter.seen.lock().unwrap().len() <= MAX_CLIENTS);
    }
}
