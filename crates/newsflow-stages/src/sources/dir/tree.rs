//! Which entries of the directory are article files, and opening one
//! without following a link.
//!
//! Every file is keyed by its path relative to the directory, canonicalised
//! once at build, so the startup listing, the watcher (which reports
//! absolute paths) and the ledger name a file the same way whatever the
//! working directory or the spelling of `path`.

use std::fmt;
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// How a file holds its articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Text,
    Json,
    JsonLines,
}

/// Why an entry is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Skip {
    Hidden,
    Temporary,
    NotArticle,
    Link,
    LinkToDirectory,
    LinkOutside(PathBuf),
    BrokenLink,
    LinkOnPath,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::Hidden => f.write_str("hidden name"),
            Skip::Temporary => f.write_str("temporary name, read once renamed"),
            Skip::NotArticle => f.write_str("not an article file (.txt, .json, .jsonl)"),
            Skip::Link => f.write_str("a symbolic link (follow_symlinks is off)"),
            Skip::LinkToDirectory => f.write_str("a symbolic link to a directory (never followed)"),
            Skip::LinkOutside(target) => write!(
                f,
                "a symbolic link to {}, outside the directory",
                target.display()
            ),
            Skip::BrokenLink => f.write_str("a symbolic link to nothing"),
            Skip::LinkOnPath => f.write_str("a directory on its path is a symbolic link"),
        }
    }
}

/// An article file.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// Its path relative to the directory: its name in the ledger.
    pub(super) key: PathBuf,
    pub(super) format: Format,
    /// What to open: the file, or the target of a followed link.
    pub(super) target: PathBuf,
}

/// The directory a `dir` source reads, and its rule for links.
#[derive(Debug, Clone)]
pub(super) struct Tree {
    /// `path`, canonicalised.
    root: PathBuf,
    /// `path` as configured, to name files in messages and dead letters.
    shown: PathBuf,
    follow_symlinks: bool,
}

impl Tree {
    /// The directory `path` (config key `path`), which must exist.
    pub(super) fn new(path: &Path, follow_symlinks: bool) -> Result<Tree, String> {
        let root = std::fs::canonicalize(path)
            .map_err(|e| format!("`path`: cannot read the directory {}: {e}", path.display()))?;
        if !root.is_dir() {
            return Err(format!("`path`: {} is not a directory", path.display()));
        }
        Ok(Tree {
            root,
            shown: path.to_owned(),
            follow_symlinks,
        })
    }

    /// The canonical directory.
    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    /// The directory as configured, for messages.
    pub(super) fn shown_root(&self) -> &Path {
        &self.shown
    }

    /// The file with this key, named as the config names the directory.
    pub(super) fn shown(&self, key: &Path) -> PathBuf {
        self.shown.join(key)
    }

    /// The file with this key.
    pub(super) fn path(&self, key: &Path) -> PathBuf {
        self.root.join(key)
    }

    /// The key of a path under the directory (`None` for the directory itself).
    pub(super) fn key(&self, path: &Path) -> Option<PathBuf> {
        let key = path.strip_prefix(&self.root).ok()?;
        (!key.as_os_str().is_empty()).then(|| key.to_owned())
    }

    /// Decides about an entry that is not a directory: read it, or why not.
    /// A link is followed only with `follow_symlinks`, to a file whose
    /// canonical path is inside the directory; it is read under its own name.
    pub(super) fn entry(&self, key: &Path) -> Result<Entry, Skip> {
        let path = self.root.join(key);
        // Listing and watching never go through a directory link; one found
        // here was swapped in since.
        if let Some(parent) = path.parent() {
            if parent != self.root && std::fs::canonicalize(parent).is_ok_and(|p| p != parent) {
                return Err(Skip::LinkOnPath);
            }
        }
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        let target = if is_link {
            if !self.follow_symlinks {
                return Err(Skip::Link);
            }
            let target = std::fs::canonicalize(&path).map_err(|_| Skip::BrokenLink)?;
            if target.is_dir() {
                return Err(Skip::LinkToDirectory);
            }
            if !target.starts_with(&self.root) {
                return Err(Skip::LinkOutside(target));
            }
            target
        } else {
            path
        };
        let name = key.file_name().unwrap_or_default().to_string_lossy();
        Ok(Entry {
            key: key.to_owned(),
            format: format_of(&name)?,
            target,
        })
    }

    /// The article files under `dir` (the directory or one inside it),
    /// sorted by path, and the entries skipped with the reason. Links are
    /// not descended into; a part that cannot be listed is logged and left.
    pub(super) fn list(&self, dir: &Path, source: &str) -> (Vec<Entry>, Vec<(PathBuf, Skip)>) {
        let mut entries = Vec::new();
        let mut skipped = Vec::new();
        for item in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let item = match item {
                Ok(item) => item,
                Err(e) => {
                    tracing::warn!(source, error = %e, "cannot list a part of the directory");
                    continue;
                }
            };
            if item.file_type().is_dir() {
                continue;
            }
            let Some(key) = self.key(item.path()) else {
                continue;
            };
            match self.entry(&key) {
                Ok(entry) => entries.push(entry),
                Err(skip) => skipped.push((key, skip)),
            }
        }
        (entries, skipped)
    }
}

/// Logs an entry that is not read, with the reason.
pub(super) fn log_skip(source: &str, file: &Path, skip: &Skip) {
    tracing::info!(source = %source, file = %file.display(), reason = %skip, "skipped");
}

/// The format an article file's name says.
fn format_of(name: &str) -> Result<Format, Skip> {
    if name.starts_with('.') {
        return Err(Skip::Hidden);
    }
    if name.ends_with(".tmp") || name.ends_with(".part") {
        return Err(Skip::Temporary);
    }
    let extension = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("txt") => Ok(Format::Text),
        Some("json") => Ok(Format::Json),
        Some("jsonl") => Ok(Format::JsonLines),
        _ => Err(Skip::NotArticle),
    }
}

/// Opens a file to read: never through a link at its end (`O_NOFOLLOW`),
/// never blocking (`O_NONBLOCK`: a FIFO with no writer), and only a regular
/// file, checked before opening (so a device is never opened) and on the
/// open file. Returns the file and its size.
pub(super) fn open(path: &Path) -> io::Result<(std::fs::File, u64)> {
    regular(&std::fs::symlink_metadata(path)?)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => io::Error::other("a symbolic link, not followed"),
            _ => e,
        })?;
    let meta = file.metadata()?;
    regular(&meta)?;
    Ok((file, meta.len()))
}

fn regular(meta: &std::fs::Metadata) -> io::Result<()> {
    let kind = meta.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a device"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({what})"),
    ))
}
