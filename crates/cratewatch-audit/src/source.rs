//! Package sources (`registry+URL`, `sparse+URL`, `git+URL?branch=NAME#COMMIT`, `path+URL`), read the way
//! cargo-audit reads them (its `cargo-lock` crate's `SourceId::from_url`): the kind before the first
//! `+`, then a URL parsed by the WHATWG rules of the `url` crate, which both Cargo and cargo-audit use.
//!
//! Reading sources with the same URL parser matters for two decisions:
//! - **Which values are refused.** A source that is not `KIND+URL` with a known kind and a valid URL
//!   makes cargo-audit refuse the whole lockfile; so does cratewatch, rather than skip the package.
//! - **Which packages come from crates.io.** The URL is compared after normalisation (case of scheme
//!   and host, default port, dot segments, tabs and newlines removed), so
//!   `registry+HTTPS://GitHub.com/rust-lang/crates.io-index` is crates.io for both tools, and a
//!   fragment or a trailing slash makes another registry for both.

use std::sync::Arc;

use url::Url;

use crate::lockfile::CRATES_IO_SOURCE;

/// The URL of the default public registry's git index, as the `url` crate writes it.
const CRATES_IO_URL: &str = "https://github.com/rust-lang/crates.io-index";
/// The URL of the default public registry's sparse index.
const CRATES_IO_SPARSE_URL: &str = "https://index.crates.io/";

/// A source, parsed and normalised.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    /// The source as cargo-audit prints it: the kind, `+`, the normalised URL (for git, the reference
    /// as `?branch=`, `?tag=` or `?rev=` and the commit as `#COMMIT`).
    pub(crate) display: Arc<str>,
    /// What identifies the source in a dependency reference: `display` without a git commit.
    pub(crate) key: Arc<str>,
    /// Whether this is the default public registry (its git or its sparse index).
    pub(crate) crates_io: bool,
}

/// Parses a `source` value or the part between the parentheses of a dependency reference.
pub(crate) fn parse(text: &str) -> Result<Source, String> {
    // The common case, parsed once per lockfile by the caller's cache, but cheap to recognise anyway.
    if text == CRATES_IO_SOURCE {
        let display: Arc<str> = Arc::from(text);
        return Ok(Source { key: Arc::clone(&display), display, crates_io: true });
    }
    let Some((kind, rest)) = text.split_once('+') else {
        return Err(format!("invalid source `{text}`: expected KIND+URL (registry+, sparse+, git+ or path+)"));
    };
    if !matches!(kind, "registry" | "sparse" | "git" | "path") {
        return Err(format!(
            "invalid source `{text}`: unknown kind `{kind}` (expected registry+, sparse+, git+ or path+)"
        ));
    }
    let url = parse_url(rest).map_err(|e| format!("invalid source `{text}`: invalid URL: {e}"))?;
    let plain = |crates_io: bool| {
        let display: Arc<str> = Arc::from(format!("{kind}+{}", url.full));
        Source { key: Arc::clone(&display), display, crates_io }
    };
    Ok(match kind {
        "registry" => plain(url.full == CRATES_IO_URL),
        "sparse" => plain(url.full == CRATES_IO_SPARSE_URL),
        "path" => plain(false),
        _ => {
            // git: the last `branch` (or its old name `ref`), `tag` or `rev` parameter names the
            // reference; other parameters are dropped, as cargo-lock drops them. The fragment is the
            // commit.
            let mut reference = None;
            for (name, value) in &url.pairs {
                match name.as_str() {
                    "branch" | "ref" => reference = Some(("branch", value)),
                    "tag" => reference = Some(("tag", value)),
                    "rev" => reference = Some(("rev", value)),
                    _ => {}
                }
            }
            let mut key = format!("git+{}", url.base);
            if let Some((name, value)) = reference {
                key.push('?');
                key.push_str(name);
                key.push('=');
                key.push_str(value);
            }
            let key: Arc<str> = Arc::from(key);
            let display = match &url.fragment {
                Some(commit) => Arc::from(format!("{key}#{commit}")),
                None => Arc::clone(&key),
            };
            Source { display, key, crates_io: false }
        }
    })
}

/// A URL as the `url` crate normalises it, taken apart.
#[derive(Debug, PartialEq, Eq)]
struct ParsedUrl {
    /// The whole URL.
    full: String,
    /// The URL without its query and fragment.
    base: String,
    /// The query's `name=value` pairs, decoded.
    pairs: Vec<(String, String)>,
    fragment: Option<String>,
}

fn parse_url(text: &str) -> Result<ParsedUrl, url::ParseError> {
    if let Some(simple) = simple_url(text) {
        return Ok(simple);
    }
    let mut url = Url::parse(text)?;
    let full = url.as_str().to_owned();
    let pairs = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let fragment = url.fragment().map(str::to_owned);
    url.set_fragment(None);
    url.set_query(None);
    Ok(ParsedUrl { full, base: url.as_str().to_owned(), pairs, fragment })
}

/// The URLs lockfiles hold (`https://github.com/owner/repo?branch=main#0123abcd`), read without the
/// `url` crate, which spends about 10,000 instructions on each: an `https` URL whose host is lowercase
/// letters, digits, dots and hyphens with a last label that starts with a letter, whose path, query and
/// fragment use unreserved characters only (no `%`, no `+`, no `.` or `..` segment), is one the WHATWG
/// parser leaves exactly as written, with query pairs that need no decoding. Anything else is `None`
/// and goes to the `url` crate (a test checks both agree).
fn simple_url(text: &str) -> Option<ParsedUrl> {
    let rest = text.strip_prefix("https://")?;
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, rest) = rest.split_at(host_end);
    let label_ok = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && !label.starts_with("xn--")
            && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let last = host.rsplit('.').next()?;
    if !host.split('.').all(label_ok) || !last.starts_with(|c: char| c.is_ascii_lowercase()) {
        return None;
    }
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    let (before_fragment, fragment) = match rest.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (rest, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (before_fragment, None),
    };
    let path_ok = path.starts_with('/')
        && path.bytes().all(|b| unreserved(b) || b == b'/')
        && path.split('/').all(|segment| segment != "." && segment != "..");
    let query_ok = query.is_none_or(|q| q.bytes().all(|b| unreserved(b) || matches!(b, b'=' | b'&' | b'/')));
    let fragment_ok = fragment.is_none_or(|f| f.bytes().all(unreserved));
    if !(path_ok && query_ok && fragment_ok) {
        return None;
    }
    let pairs = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.to_owned(), value.to_owned())
        })
        .collect();
    Some(ParsedUrl {
        full: text.to_owned(),
        base: format!("https://{host}{path}"),
        pairs,
        fragment: fragment.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::{ParsedUrl, Url, parse, simple_url};

    /// The `url` crate's reading, taken apart as `simple_url` takes it.
    fn by_url_crate(text: &str) -> Option<ParsedUrl> {
        let mut url = Url::parse(text).ok()?;
        let full = url.as_str().to_owned();
        let pairs = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let fragment = url.fragment().map(str::to_owned);
        url.set_fragment(None);
        url.set_query(None);
        Some(ParsedUrl { full, base: url.as_str().to_owned(), pairs, fragment })
    }

    /// Every URL the shortcut takes is read exactly as the `url` crate reads it: URLs of the shapes
    /// lockfiles hold, and every one-character change to them (an insertion, a deletion or a
    /// replacement with any of the characters URLs treat specially).
    #[test]
    fn the_simple_url_shortcut_agrees_with_the_url_crate() {
        let seeds = [
            "https://github.com/rust-lang/crates.io-index",
            "https://index.crates.io/",
            "https://github.com/lapce/tree-sitter-dart?rev=abc123#abc123def",
            "https://github.com/x/y.git?branch=main&foo=bar#0123abcd",
            "https://github.com/x/y?tag=v1.0.0",
            "https://gitlab.example-host.org/group/sub/project",
            "https://a.b/c?&&x=&=y&z#",
        ];
        let specials = [
            "", "A", "a", "0", "9", "-", ".", "..", "_", "~", "/", "//", "?", "#", "&", "=", "%", "%2e", "%41", "+",
            " ", "\t", "\\", ":", ":443", "@", "[", "]", "xn--", "é", "0x1", "1", "\n",
        ];
        let mut shortcut = 0;
        for seed in seeds {
            let mut variants = vec![seed.to_owned()];
            for at in 0..=seed.len() {
                for special in specials {
                    variants.push(format!("{}{special}{}", &seed[..at], &seed[at..]));
                    if at < seed.len() {
                        variants.push(format!("{}{special}{}", &seed[..at], &seed[at + 1..]));
                    }
                }
            }
            for variant in variants {
                if let Some(simple) = simple_url(&variant) {
                    shortcut += 1;
                    assert_eq!(Some(simple), by_url_crate(&variant), "{variant:?}");
                }
            }
        }
        assert!(shortcut > 1_000, "{shortcut}");
    }

    /// The same on every source written in the real lockfiles.
    #[test]
    fn the_simple_url_shortcut_agrees_with_the_url_crate_on_real_sources() {
        let mut checked = 0;
        for (path, _) in cratewatch_testdata::lockfiles() {
            let text = std::fs::read_to_string(&path).unwrap();
            for quoted in text.split('"').filter(|s| s.contains("+https://") || s.contains("+http://")) {
                let url = quoted.rsplit('(').next().unwrap_or(quoted).trim_end_matches(')');
                let url = url.split_once('+').map_or(url, |(_, u)| u);
                let simple = simple_url(url).unwrap_or_else(|| panic!("{url} takes the shortcut"));
                assert_eq!(Some(simple), by_url_crate(url), "{url}");
                checked += 1;
            }
        }
        assert!(checked > 1_000, "{checked}");
    }

    #[test]
    fn crates_io_is_recognised_after_url_normalisation_only() {
        for same in [
            "registry+https://github.com/rust-lang/crates.io-index",
            "registry+HTTPS://GITHUB.COM/rust-lang/crates.io-index",
            "registry+https://github.com:443/rust-lang/crates.io-index",
            "registry+https://github.com/rust-lang/./crates.io-index",
            "registry+https://github.com/rust-lang/crates.io-in\tdex",
            "sparse+https://index.crates.io/",
            "sparse+https://index.crates.io",
        ] {
            let source = parse(same).unwrap();
            assert!(source.crates_io, "{same}");
            assert!(
                source.display.starts_with("registry+https://github.com/rust-lang/crates.io-index")
                    || &*source.display == "sparse+https://index.crates.io/",
                "{same}: {}",
                source.display
            );
        }
        for other in [
            "registry+https://github.com/rust-lang/crates.io-index/",
            "registry+https://github.com/rust-lang/crates.io-index#x",
            "registry+https://github.com/rust-lang/crates.io-index?x",
            "registry+https://github.com/rust-lang/Crates.io-index",
            "registry+http://github.com/rust-lang/crates.io-index",
            "git+https://github.com/rust-lang/crates.io-index",
            "path+file:///work/crates.io-index",
        ] {
            assert!(!parse(other).unwrap().crates_io, "{other}");
        }
    }

    #[test]
    fn values_cargo_audit_refuses_are_errors() {
        for (bad, expected) in [
            ("registry+not a url", "invalid URL"),
            ("registry+", "invalid URL"),
            ("https://github.com/rust-lang/crates.io-index", "expected KIND+URL"),
            ("local-registry+file:///x", "unknown kind `local-registry`"),
            ("directory+file:///x", "unknown kind `directory`"),
            ("Registry+https://github.com/rust-lang/crates.io-index", "unknown kind `Registry`"),
            ("registry+https://exa mple.com/", "invalid URL"),
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains(expected) && error.contains(bad), "{bad}: {error}");
        }
    }

    #[test]
    fn git_sources_keep_their_reference_and_drop_the_commit_from_the_key() {
        let source = parse("git+https://github.com/x/y?branch=main&foo=1#0123abcd").unwrap();
        assert_eq!(&*source.key, "git+https://github.com/x/y?branch=main");
        assert_eq!(&*source.display, "git+https://github.com/x/y?branch=main#0123abcd");
        // v4 escapes the reference; the key is the same as for the unescaped v3 spelling.
        let v4 = parse("git+https://github.com/x/y?tag=a-_%2B%23z#00").unwrap();
        assert_eq!(&*v4.key, "git+https://github.com/x/y?tag=a-_+#z");
        assert_eq!(&*parse("git+https://github.com/x/y?ref=dev").unwrap().key, "git+https://github.com/x/y?branch=dev");
        assert!(!v4.crates_io);
    }
}
