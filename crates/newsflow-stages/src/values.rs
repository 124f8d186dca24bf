//! Config values that check themselves as they are read, so `validate`
//! refuses what `run` would (serde names the key and the line) and a
//! stage's `build` is left with I/O alone.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// An `http://` or `https://` address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct HttpUrl {
    /// As written: state kept under the address (a feed's ledger) is keyed
    /// by it, so the parser's normal form must not change it.
    written: String,
    url: reqwest::Url,
}

impl HttpUrl {
    /// The parsed address.
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// The address as written in the config.
    pub fn as_str(&self) -> &str {
        &self.written
    }
}

impl TryFrom<String> for HttpUrl {
    type Error = String;

    fn try_from(text: String) -> Result<HttpUrl, String> {
        let url = reqwest::Url::parse(&text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "{text:?} must be http:// or https://, not {}://",
                url.scheme()
            ));
        }
        Ok(HttpUrl { written: text, url })
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// Extra HTTP headers (`{ "X-Api-Key" = "..." }`): names and values a
/// request can carry, values marked sensitive (never logged).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "BTreeMap<String, String>")]
pub struct Headers(HeaderMap);

impl Headers {
    /// The headers, ready to send.
    pub fn map(&self) -> &HeaderMap {
        &self.0
    }
}

impl TryFrom<BTreeMap<String, String>> for Headers {
    type Error = String;

    fn try_from(written: BTreeMap<String, String>) -> Result<Headers, String> {
        let mut headers = HeaderMap::new();
        for (name, value) in written {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|e| format!("{name:?} is not a header name: {e}"))?;
            let mut value = HeaderValue::try_from(value.as_str())
                .map_err(|e| format!("`{name}`: not a header value: {e}"))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        Ok(Headers(headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_headers_are_checked_as_read() {
        let url: Result<HttpUrl, _> = serde_json::from_str("\"ftp://x.test/\"");
        assert!(url
            .unwrap_err()
            .to_string()
            .contains("must be http:// or https://"));
        let url: Result<HttpUrl, _> = serde_json::from_str("\"not a url\"");
        assert!(url.unwrap_err().to_string().contains("is not a URL"));
        let url: HttpUrl = serde_json::from_str("\"https://x.test\"").unwrap();
        assert_eq!(
            (url.as_str(), url.url().as_str()),
            ("https://x.test", "https://x.test/")
        );
        let headers: Result<Headers, _> = serde_json::from_str(r#"{"Bad Name": "v"}"#);
        assert!(headers
            .unwrap_err()
            .to_string()
            .contains("is not a header name"));
        let headers: Result<Headers, _> = serde_json::from_str(r#"{"X-A": "line\nbreak"}"#);
        assert!(headers
            .unwrap_err()
            .to_string()
            .contains("not a header value"));
        let headers: Headers = serde_json::from_str(r#"{"X-Api-Key": "k"}"#).unwrap();
        assert!(headers.map()["x-api-key"].is_sensitive());
    }
}
