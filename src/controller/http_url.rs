//! The URL of an `http` ping, parsed once: `http://HOST:PORT/PATH` split
//! into what a GET needs. It is parsed where the value enters (the
//! manifest's validation, `Ping::http`) and carried parsed from there.

use std::fmt;

/// A parsed `http://HOST:PORT/PATH?QUERY` URL (https is not supported).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpUrl {
    text: String,
    authority: String,
    path: String,
}

impl HttpUrl {
    /// Parses an `http://` URL; `None` for anything else (another scheme,
    /// no host, a user name).
    pub fn parse(url: &str) -> Option<HttpUrl> {
        let rest = url.strip_prefix("http://")?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(index) => (&rest[..index], &rest[index..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let has_port = match authority.rfind(']') {
            Some(bracket) => authority[bracket..].contains(':'),
            None => authority.contains(':'),
        };
        let authority = if has_port {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        Some(HttpUrl {
            text: url.to_string(),
            authority,
            path,
        })
    }

    /// The URL as it was written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `HOST:PORT` as written (the port defaults to 80).
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// `/PATH?QUERY`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let url = HttpUrl::parse("http://127.0.0.1:8080/health?x=1").unwrap();
        assert_eq!(url.authority(), "127.0.0.1:8080");
        assert_eq!(url.path(), "/health?x=1");
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/health?x=1");
        let authority = |text: &str| HttpUrl::parse(text).unwrap().authority;
        assert_eq!(authority("http://localhost"), "localhost:80");
        assert_eq!(authority("http://[::1]:9/"), "[::1]:9");
        assert_eq!(authority("http://[::1]/"), "[::1]:80");
        assert_eq!(HttpUrl::parse("http://h?q").unwrap().path, "/?q");
        assert!(HttpUrl::parse("https://example.com/").is_none());
        assert!(HttpUrl::parse("http://user@host/").is_none());
        assert!(HttpUrl::parse("http:///").is_none());
    }
}
