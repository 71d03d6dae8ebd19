//! A search index kept on disk (`index build`, `serve --index`): the manifest
//! written beside the tantivy files, and the fingerprint that says which
//! knowledge sources an index was built from. An index is only used when its
//! manifest matches the sources and this version of the program exactly.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{SearchError, section_count};
use crate::knowledge::{KnowledgeError, KnowledgeSources, Library};

/// The manifest's file name inside an index directory. Its presence is what
/// marks a directory as written by `index build`.
pub const MANIFEST_FILE: &str = "serverless-guide-index.json";
/// Layout of the index directory and the manifest.
pub const FORMAT_VERSION: u32 = 1;
/// Version of the schema, analyzer and field contents; bumped on any change to them.
pub const SCHEMA_VERSION: u32 = 1;

/// What an index directory was built from, written as JSON beside the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// Version of serverless-guide that wrote it.
    pub crate_version: String,
    pub schema_version: u32,
    pub documents: usize,
    pub sections: usize,
    /// `sha256:<hex>` of the guide files the index was built from (see [`fingerprint`]).
    pub fingerprint: String,
}

impl Manifest {
    /// The manifest an index of `library` built now would have.
    pub fn for_library(library: &Library, fingerprint: String) -> Self {
        Self {
            format: FORMAT_VERSION,
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            schema_version: SCHEMA_VERSION,
            documents: library.len(),
            sections: section_count(library),
            fingerprint,
        }
    }

    /// Reads the manifest of `dir`; an error (naming the directory and saying what
    /// to do) when the directory or its manifest is missing or unreadable.
    pub fn read(dir: &Path) -> Result<Self, SearchError> {
        let build = format!(
            "run `serverless-guide index build --out {}` (with the same --knowledge/--no-builtin options) first",
            dir.display()
        );
        if !dir.is_dir() {
            return Err(SearchError::dir(
                dir,
                format!("does not exist or is not a directory; {build}"),
            ));
        }
        let path = dir.join(MANIFEST_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(SearchError::dir(
                    dir,
                    format!(
                        "no {MANIFEST_FILE}, so it is not an index written by `index build`; {build}"
                    ),
                ));
            }
            Err(e) => {
                return Err(SearchError::dir(
                    dir,
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        };
        serde_json::from_slice(&bytes).map_err(|e| {
            SearchError::dir(
                dir,
                format!(
                    "{} is corrupt ({e}); rebuild the index with `serverless-guide index build --out {} --force`",
                    path.display(),
                    dir.display()
                ),
            )
        })
    }

    /// Writes the manifest into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), SearchError> {
        let path = dir.join(MANIFEST_FILE);
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| SearchError::dir(dir, format!("cannot encode the manifest: {e}")))?;
        text.push('\n');
        std::fs::write(&path, text)
            .map_err(|e| SearchError::dir(dir, format!("cannot write {}: {e}", path.display())))
    }

    /// Why an index with this manifest must not serve `current` (the manifest of
    /// the sources as they are now); `None` when it may.
    pub fn stale_reason(&self, current: &Manifest) -> Option<String> {
        if self.format != current.format {
            return Some(format!(
                "it has index format {} and this version reads format {}",
                self.format, current.format
            ));
        }
        if self.crate_version != current.crate_version
            || self.schema_version != current.schema_version
        {
            return Some(format!(
                "it was written by serverless-guide {} (schema {}) and this is {} (schema {})",
                self.crate_version,
                self.schema_version,
                current.crate_version,
                current.schema_version
            ));
        }
        if self.documents == current.documents
            && self.sections == current.sections
            && self.fingerprint != current.fingerprint
        {
            return Some(
                "it was built from other knowledge (the guide files' fingerprint differs)".into(),
            );
        }
        if self.fingerprint != current.fingerprint
            || self.documents != current.documents
            || self.sections != current.sections
        {
            return Some(format!(
                "it was built from other knowledge ({} documents, {} sections) than is loaded now \
                 ({} documents, {} sections)",
                self.documents, self.sections, current.documents, current.sections
            ));
        }
        None
    }
}

/// Gives every file in `dir` the permissions the manifest got when it was
/// written (tantivy writes some of its files owner-only), so an index built by
/// one user can be served by another.
pub fn share_like_manifest(dir: &Path) -> Result<(), SearchError> {
    let io = |e: std::io::Error| SearchError::dir(dir, format!("cannot set file permissions: {e}"));
    let perms = std::fs::metadata(dir.join(MANIFEST_FILE))
        .map_err(io)?
        .permissions();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_type().map_err(io)?.is_file() {
            std::fs::set_permissions(entry.path(), perms.clone()).map_err(io)?;
        }
    }
    Ok(())
}

/// True when `dir` holds a manifest, i.e. was written by `index build`.
pub fn is_index_dir(dir: &Path) -> bool {
    dir.join(MANIFEST_FILE).is_file()
}

/// `sha256:<hex>` over every guide file of every layer in order (layer index,
/// path relative to the layer, bytes): what the documents, and so the index,
/// are built from. Synonyms are applied at query time and need no index change.
pub fn fingerprint(sources: &KnowledgeSources) -> Result<String, KnowledgeError> {
    let mut hash = Sha256::new();
    for file in sources.files("guides/", &[".md"])? {
        hash.update((file.layer as u64).to_le_bytes());
        hash.update((file.rel.len() as u64).to_le_bytes());
        hash.update(file.rel.as_bytes());
        hash.update((file.bytes.len() as u64).to_le_bytes());
        hash.update(&file.bytes);
    }
    let mut out = String::from("sha256:");
    for byte in hash.finalize().iter() {
        let _ = write!(out, "{byte:02x}");
    }
    Ok(out)
}
