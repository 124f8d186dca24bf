//! Pages fetched before, on disk under the stage's state directory, so a
//! reload, a restart or a replay does not fetch them again.
//!
//! A file per URL, named by the SHA-256 of the URL: a JSON header line
//! (the URL asked for, where the page was found, its `Content-Type`), then
//! the page's bytes. Written to a temporary file and renamed into place, so
//! a crash leaves no half page.

use super::crawler::Page;
use newsflow_core::BoxError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

#[derive(Serialize, Deserialize)]
struct Header {
    requested: String,
    url: String,
    content_type: Option<String>,
}

/// The response cache of one `fetch` stage.
#[derive(Debug)]
pub(crate) struct PageCache {
    dir: PathBuf,
    ttl: Duration,
}

impl PageCache {
    /// Opens (creating) the cache in `dir`, forgetting pages older than `ttl`.
    pub(crate) fn open(dir: &Path, ttl: Duration) -> Result<PageCache, BoxError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the page cache {}: {e}", dir.display()))?;
        let cache = PageCache {
            dir: dir.to_owned(),
            ttl,
        };
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read the page cache {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            if !cache.fresh(&entry.path()) {
                // Expired, or a temporary file left by a crash.
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(cache)
    }

    fn path(&self, url: &str) -> PathBuf {
        let digest = Sha256::digest(url.as_bytes());
        let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(name + ".page")
    }

    fn fresh(&self, path: &Path) -> bool {
        path.extension().is_some_and(|e| e == "page")
            && std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age < self.ttl)
    }

    /// The page fetched for `url`, if cached and not expired.
    pub(crate) fn get(&self, url: &str) -> Option<Page> {
        let path = self.path(url);
        if !self.fresh(&path) {
            return None;
        }
        let bytes = std::fs::read(&path).ok()?;
        let newline = bytes.iter().position(|&b| b == b'\n')?;
        let header: Header = serde_json::from_slice(&bytes[..newline]).ok()?;
        (header.requested == url).then(|| Page {
            url: header.url,
            content_type: header.content_type,
            body: bytes[newline + 1..].to_vec(),
        })
    }

    /// Keeps `page` as what `url` gave. A failure to write is logged: the
    /// page is then fetched again next time, nothing else is lost.
    pub(crate) fn put(&self, url: &str, page: &Page) {
        let path = self.path(url);
        let tmp = path.with_extension("tmp");
        let header = Header {
            requested: url.to_owned(),
            url: page.url.clone(),
            content_type: page.content_type.clone(),
        };
        let written = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            serde_json::to_writer(&mut file, &header)?;
            file.write_all(b"\n")?;
            file.write_all(&page.body)?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = written {
            tracing::warn!(url, error = %e, "cannot keep the page in the cache");
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_come_back_by_url_until_they_expire() {
        let dir = tempfile::tempdir().unwrap();
        let cache = PageCache::open(dir.path(), Duration::from_secs(60)).unwrap();
        let page = Page {
            url: "https://a.test/final".into(),
            content_type: Some("text/html".into()),
            body: b"<p>one\ntwo</p>".to_vec(),
        };
        assert_eq!(cache.get("https://a.test/x"), None);
        cache.put("https://a.test/x", &page);
        assert_eq!(cache.get("https://a.test/x"), Some(page.clone()));
        assert_eq!(cache.get("https://a.test/y"), None);
        // Reopened (a reload): still there; reopened with no time to live: gone.
        let again = PageCache::open(dir.path(), Duration::from_secs(60)).unwrap();
        assert_eq!(again.get("https://a.test/x"), Some(page));
        let expired = PageCache::open(dir.path(), Duration::ZERO).unwrap();
        assert_eq!(expired.get("https://a.test/x"), None);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
