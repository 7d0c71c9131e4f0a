//! The URLs an advisory may carry. Pages and APIs show them as links, so only absolute `http` and
//! `https` URLs are accepted: a `javascript:` or `data:` URL would run or show content chosen by
//! whoever wrote the advisory.

/// An acceptable URL's scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UrlKind {
    /// `https://`.
    Https,
    /// `http://`: accepted, but RustSec's linter wants `https://`.
    Http,
}

/// Why a URL is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UrlError {
    /// Not `scheme://host...` (a relative path, white space or control characters inside, no host).
    NotAbsolute,
    /// A well-formed URL whose scheme, as written, is not `http` or `https`.
    Scheme(String),
}

/// Checks one URL (the scheme is case-insensitive, as URLs' are).
pub(crate) fn check_url(url: &str) -> Result<UrlKind, UrlError> {
    let is_scheme = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        // `javascript:alert(1)` and `data:text/html,...` have no `//` but are URLs all the same.
        return Err(match url.split_once(':') {
            Some((scheme, _)) if is_scheme(scheme) => UrlError::Scheme(scheme.to_owned()),
            _ => UrlError::NotAbsolute,
        });
    };
    if !is_scheme(scheme) {
        return Err(UrlError::NotAbsolute);
    }
    let kind = match scheme.to_ascii_lowercase().as_str() {
        "https" => UrlKind::Https,
        "http" => UrlKind::Http,
        _ => return Err(UrlError::Scheme(scheme.to_owned())),
    };
    if rest.is_empty() || rest.starts_with('/') || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlError::NotAbsolute);
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_pass() {
        assert_eq!(check_url("https://github.com/a/b/issues/1"), Ok(UrlKind::Https));
        assert_eq!(check_url("HTTPS://example.org"), Ok(UrlKind::Https));
        assert_eq!(check_url("http://example.org/x"), Ok(UrlKind::Http));
        for (url, scheme) in [
            ("javascript:alert(1)", "javascript"),
            ("javascript://%0aalert(1)", "javascript"),
            ("JavaScript://x", "JavaScript"),
            ("data:text/html,<script>alert(1)</script>", "data"),
            ("ftp://ftp.example.org/f", "ftp"),
            ("mailto:a@example.org", "mailto"),
        ] {
            assert_eq!(check_url(url), Err(UrlError::Scheme(scheme.to_owned())), "{url}");
        }
        for bad in ["issues/252", "", "https://", "https:///path", "https://a b", "https://a\0b", "://x", "1http://x"] {
            assert_eq!(check_url(bad), Err(UrlError::NotAbsolute), "{bad:?}");
        }
    }
}
