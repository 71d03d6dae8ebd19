//! Knowledge fetched over HTTP(S) (`serve --knowledge-url URL`): a `.tar.gz`
//! (or `.tgz`) or `.zip` of a directory laid out like `knowledge/`, or a single
//! markdown guide.
//!
//! Every URL has an entry in the cache directory:
//!
//! ```text
//! CACHE/<hash>-<name>/meta.json   url, ETag, Last-Modified, current version
//! CACHE/<hash>-<name>/v7/         one complete, never-modified copy (a knowledge layer)
//! ```
//!
//! A download is unpacked into a new version directory and only then made
//! current (by rewriting `meta.json` atomically), so a reload never reads a
//! half-unpacked copy. The previous version is kept (a reload may still be
//! reading it); older ones are removed. Requests carry `If-None-Match` /
//! `If-Modified-Since`, so an unchanged remote costs a 304. When the remote is
//! unreachable the cached copy keeps serving.
//!
//! Downloads are bounded in size and time; archive entries must be plain files
//! or directories with relative paths (no `..`, no absolute paths, no links),
//! so nothing lands outside the entry's directory.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::{
    CONTENT_LENGTH, ETAG, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
    USER_AGENT,
};
use hyper::{Request, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::reload::Reloader;

/// Largest download accepted (compressed size).
pub const DEFAULT_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Longest a download may take, from connecting to the last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How often remotes are checked for a new version.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(600);
/// Largest unpacked size of one archive, against decompression bombs.
const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// Most entries in one archive.
const MAX_ENTRIES: usize = 20_000;
/// Most redirects followed.
const MAX_REDIRECTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("--knowledge-url {url}: {message}")]
    BadUrl { url: String, message: String },
    #[error("fetching {url}: {message}")]
    Fetch { url: String, message: String },
    #[error("fetching {url}: larger than the {limit} byte limit")]
    TooLarge { url: String, limit: u64 },
    #[error("unpacking {url}: {message}")]
    Archive { url: String, message: String },
    #[error("knowledge cache {path}: {message}")]
    Cache { path: String, message: String },
}

/// How remote knowledge is fetched and where it is kept.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    pub cache_dir: PathBuf,
    pub max_bytes: u64,
    pub timeout: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            cache_dir: default_cache_dir(),
            max_bytes: DEFAULT_MAX_BYTES,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// `$XDG_CACHE_HOME/serverless-guide`, else `~/.cache/serverless-guide`, else a
/// directory under the system's temporary directory.
pub fn default_cache_dir() -> PathBuf {
    let from_env = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(xdg) = from_env("XDG_CACHE_HOME") {
        return xdg.join("serverless-guide");
    }
    if let Some(home) = from_env("HOME").or_else(|| from_env("USERPROFILE")) {
        return home.join(".cache").join("serverless-guide");
    }
    std::env::temp_dir().join("serverless-guide-cache")
}

/// What a fetch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetched {
    /// A new version was downloaded and is now current.
    Updated,
    /// The remote said nothing changed (304).
    NotModified,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    TarGz,
    Zip,
    Markdown,
}

/// What the cache remembers about one URL.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
struct Meta {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    /// Name of the current version directory (`v7`).
    current: Option<String>,
}

/// A 200 response: the body and its validators.
struct Download {
    body: Vec<u8>,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// One `--knowledge-url`.
#[derive(Debug)]
struct Remote {
    url: String,
    uri: Uri,
    kind: Kind,
    /// The URL's entry in the cache.
    entry: PathBuf,
}

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// Every `--knowledge-url`, with its cache and HTTP client.
pub struct RemoteKnowledge {
    remotes: Vec<Remote>,
    opts: RemoteOptions,
    client: HttpsClient,
}

impl std::fmt::Debug for RemoteKnowledge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteKnowledge")
            .field("remotes", &self.remotes)
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

impl RemoteKnowledge {
    /// Checks the URLs and sets up the client; nothing is fetched yet.
    pub fn new(urls: &[String], opts: RemoteOptions) -> Result<Self, RemoteError> {
        let remotes = urls
            .iter()
            .map(|url| parse_remote(url, &opts.cache_dir))
            .collect::<Result<Vec<_>, _>>()?;
        // rustls 0.23.48 deprecates the ring provider (no post-quantum key exchange);
        // the other provider, aws-lc-rs, needs a C and CMake build we keep out.
        #[allow(deprecated)]
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| RemoteError::Fetch {
                url: urls.join(", "),
                message: format!("loading the system's root certificates: {e}"),
            })?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(tls);
        Ok(Self {
            remotes,
            opts,
            client,
        })
    }

    /// The knowledge layers, one per URL, in order: each URL's current version
    /// (read from the cache, so it changes after a fetch). A URL that has never
    /// been fetched has none.
    pub fn dirs(&self) -> Vec<PathBuf> {
        self.remotes
            .iter()
            .filter_map(|r| {
                let current = read_meta(&r.entry)?.current?;
                Some(r.entry.join(current))
            })
            .collect()
    }

    /// Fetches every URL once (at start-up). A URL that cannot be fetched but has a
    /// cached copy keeps that copy (with a warning); one with no copy is an error.
    pub async fn prepare(&self) -> Result<(), RemoteError> {
        for remote in &self.remotes {
            match self.fetch(remote).await {
                Ok(fetched) => {
                    tracing::info!(url = %remote.url, ?fetched, "remote knowledge ready");
                }
                Err(e) => match read_meta(&remote.entry).and_then(|m| m.current) {
                    Some(_) => {
                        tracing::warn!(error = %e, url = %remote.url, "remote knowledge unreachable; serving the cached copy");
                    }
                    None => return Err(e),
                },
            }
        }
        Ok(())
    }

    /// Fetches every URL; true when at least one has a new version. Failures are
    /// logged and the cached copy stays.
    pub async fn refresh(&self) -> bool {
        let mut changed = false;
        for remote in &self.remotes {
            match self.fetch(remote).await {
                Ok(Fetched::Updated) => {
                    tracing::info!(url = %remote.url, "remote knowledge changed");
                    changed = true;
                }
                Ok(Fetched::NotModified) => {
                    tracing::debug!(url = %remote.url, "remote knowledge unchanged");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "remote knowledge refresh failed; serving the cached copy");
                }
            }
        }
        changed
    }

    /// Refreshes every `every` and reloads through `reloader` after a change.
    /// Stops when the returned task is aborted.
    pub fn spawn_refresh(
        self: Arc<Self>,
        every: Duration,
        reloader: Arc<Reloader>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await; // the first tick is immediate: we just fetched
            loop {
                ticks.tick().await;
                if self.refresh().await {
                    reloader.reload().await;
                }
            }
        })
    }

    /// Downloads one URL if it changed, unpacks it into a new version and makes
    /// that version current.
    async fn fetch(&self, remote: &Remote) -> Result<Fetched, RemoteError> {
        let meta = read_meta(&remote.entry).unwrap_or_default();
        let cached = meta
            .current
            .as_ref()
            .is_some_and(|c| remote.entry.join(c).is_dir());
        let download =
            tokio::time::timeout(self.opts.timeout, self.download(remote, &meta, cached))
                .await
                .map_err(|_| RemoteError::Fetch {
                    url: remote.url.clone(),
                    message: format!("timed out after {} s", self.opts.timeout.as_secs()),
                })??;
        let Some(Download {
            body,
            etag,
            last_modified,
        }) = download
        else {
            return Ok(Fetched::NotModified);
        };
        let url = remote.url.clone();
        let kind = remote.kind;
        let entry = remote.entry.clone();
        let file_name = remote_file_name(&remote.uri);
        tokio::task::spawn_blocking(move || {
            install(&entry, &url, kind, &file_name, &body, etag, last_modified)
        })
        .await
        .map_err(|e| RemoteError::Cache {
            path: remote.entry.display().to_string(),
            message: e.to_string(),
        })??;
        Ok(Fetched::Updated)
    }

    /// The body and validators of a 200, or `None` for a 304. Follows redirects.
    async fn download(
        &self,
        remote: &Remote,
        meta: &Meta,
        cached: bool,
    ) -> Result<Option<Download>, RemoteError> {
        let fail = |message: String| RemoteError::Fetch {
            url: remote.url.clone(),
            message,
        };
        let mut uri = remote.uri.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut req = Request::get(uri.clone()).header(
                USER_AGENT,
                concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
            );
            if cached {
                if let Some(etag) = meta.etag.as_deref().and_then(header) {
                    req = req.header(IF_NONE_MATCH, etag);
                }
                if let Some(lm) = meta.last_modified.as_deref().and_then(header) {
                    req = req.header(IF_MODIFIED_SINCE, lm);
                }
            }
            let req = req
                .body(Empty::<Bytes>::new())
                .map_err(|e| fail(e.to_string()))?;
            let res = self
                .client
                .request(req)
                .await
                .map_err(|e| fail(error_chain(&e)))?;
            let status = res.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = res
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| fail(format!("{status} without a Location")))?;
                uri = resolve(&uri, location)
                    .ok_or_else(|| fail(format!("bad redirect Location `{location}`")))?;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED && cached {
                return Ok(None);
            }
            if !status.is_success() {
                return Err(fail(format!("HTTP status {status}")));
            }
            let limit = self.opts.max_bytes;
            let too_large = || RemoteError::TooLarge {
                url: remote.url.clone(),
                limit,
            };
            let length = res
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
            if length.is_some_and(|l| l > limit) {
                return Err(too_large());
            }
            let text = |name| {
                res.headers()
                    .get(name)
                    .and_then(|v: &HeaderValue| v.to_str().ok())
                    .map(str::to_string)
            };
            let (etag, last_modified) = (text(ETAG), text(LAST_MODIFIED));
            let mut body = res.into_body();
            let mut bytes = Vec::new();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| fail(error_chain(&e)))?;
                if let Ok(data) = frame.into_data() {
                    if bytes.len() as u64 + data.len() as u64 > limit {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&data);
                }
            }
            return Ok(Some(Download {
                body: bytes,
                etag,
                last_modified,
            }));
        }
        Err(fail(format!("more than {MAX_REDIRECTS} redirects")))
    }
}

fn header(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(value).ok()
}

/// An error with its sources, which is where hyper keeps the useful part.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A redirect target: absolute, or relative to `base`.
fn resolve(base: &Uri, location: &str) -> Option<Uri> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.parse().ok();
    }
    let scheme = base.scheme_str()?;
    let authority = base.authority()?.as_str();
    if location.starts_with("//") {
        return format!("{scheme}:{location}").parse().ok();
    }
    let path = if location.starts_with('/') {
        location.to_string()
    } else {
        let dir = base.path().rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{location}")
    };
    format!("{scheme}://{authority}{path}").parse().ok()
}

fn parse_remote(url: &str, cache_dir: &Path) -> Result<Remote, RemoteError> {
    let bad = |message: &str| RemoteError::BadUrl {
        url: url.to_string(),
        message: message.to_string(),
    };
    let uri: Uri = url
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| bad(&e.to_string()))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(bad("only http:// and https:// URLs are supported")),
    }
    if uri.host().is_none() {
        return Err(bad("the URL has no host"));
    }
    let path = uri.path().to_ascii_lowercase();
    let kind = if path.ends_with(".tar.gz") || path.ends_with(".tgz") {
        Kind::TarGz
    } else if path.ends_with(".zip") {
        Kind::Zip
    } else if path.ends_with(".md") {
        Kind::Markdown
    } else {
        return Err(bad(
            "the path must end in .tar.gz, .tgz, .zip (a knowledge directory) or .md (one guide)",
        ));
    };
    let name: String = remote_file_name(&uri)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let entry = cache_dir.join(format!("{:016x}-{name}", fnv1a(url.as_bytes())));
    Ok(Remote {
        url: url.to_string(),
        uri,
        kind,
        entry,
    })
}

/// The last path segment of the URL (`kb.tar.gz`).
fn remote_file_name(uri: &Uri) -> String {
    let name = uri.path().rsplit('/').next().unwrap_or("");
    if name.is_empty() {
        "download".into()
    } else {
        name.to_string()
    }
}

/// A stable hash for cache names (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn cache_error(path: &Path, e: impl std::fmt::Display) -> RemoteError {
    RemoteError::Cache {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn read_meta(entry: &Path) -> Option<Meta> {
    let text = std::fs::read(entry.join("meta.json")).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Writes `meta.json` so that a reader sees the old or the new one, never half.
fn write_meta(entry: &Path, meta: &Meta) -> Result<(), RemoteError> {
    let tmp = entry.join(".meta.json.tmp");
    let text = serde_json::to_vec_pretty(meta).map_err(|e| cache_error(entry, e))?;
    std::fs::write(&tmp, text).map_err(|e| cache_error(&tmp, e))?;
    std::fs::rename(&tmp, entry.join("meta.json")).map_err(|e| cache_error(entry, e))
}

/// Unpacks `body` into a fresh version directory, makes it current, and removes
/// versions older than the previous one.
fn install(
    entry: &Path,
    url: &str,
    kind: Kind,
    file_name: &str,
    body: &[u8],
    etag: Option<String>,
    last_modified: Option<String>,
) -> Result<(), RemoteError> {
    std::fs::create_dir_all(entry).map_err(|e| cache_error(entry, e))?;
    let versions = versions(entry);
    let next = versions.iter().map(|(n, _)| n + 1).max().unwrap_or(1);
    let staging = entry.join(format!(".staging-{next}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| cache_error(&staging, e))?;
    let unpacked = match kind {
        Kind::TarGz => unpack_tar_gz(body, &staging),
        Kind::Zip => unpack_zip(body, &staging),
        Kind::Markdown => write_markdown(body, file_name, &staging),
    }
    .map_err(|message| RemoteError::Archive {
        url: url.to_string(),
        message,
    });
    if let Err(e) = unpacked {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    // An archive of one top folder (`kb/guides/...`, GitHub's `repo-main/...`)
    // is served from inside that folder.
    let root = knowledge_root(&staging);
    let version = entry.join(format!("v{next}"));
    std::fs::rename(&root, &version).map_err(|e| cache_error(&version, e))?;
    if root != staging {
        let _ = std::fs::remove_dir_all(&staging);
    }
    // A version that does not load never becomes current: a restart must find the
    // last good copy, not a broken one (the running server keeps its last good
    // snapshot either way).
    if let Err(message) = loads(&version) {
        let _ = std::fs::remove_dir_all(&version);
        return Err(RemoteError::Archive {
            url: url.to_string(),
            message: format!("the new version does not load ({message}); keeping the previous one"),
        });
    }
    let previous = read_meta(entry).and_then(|m| m.current);
    write_meta(
        entry,
        &Meta {
            url: url.to_string(),
            etag,
            last_modified,
            current: Some(format!("v{next}")),
        },
    )?;
    // Keep the new version and the one before it (a reload may still read it).
    for (_, name) in versions {
        if Some(&name) != previous.as_ref() {
            let _ = std::fs::remove_dir_all(entry.join(name));
        }
    }
    Ok(())
}

/// Whether a knowledge directory loads on its own: documents, rules, scaffolds
/// and synonyms (references to other layers are checked when all are merged).
fn loads(dir: &Path) -> Result<(), String> {
    let sources = crate::knowledge::KnowledgeSources::empty().with_dir(dir);
    crate::knowledge::Library::load(&sources).map_err(|e| e.to_string())?;
    crate::knowledge::synonyms::Synonyms::load(&sources).map_err(|e| e.to_string())?;
    crate::review::RuleSet::load(&sources).map_err(|e| e.to_string())?;
    crate::scaffold::ScaffoldCatalog::load(&sources).map_err(|e| e.to_string())?;
    Ok(())
}

/// The `vN` directories of an entry.
fn versions(entry: &Path) -> Vec<(u64, String)> {
    let Ok(dir) = std::fs::read_dir(entry) else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let name = e.ok()?.file_name().into_string().ok()?;
        let n = name.strip_prefix('v')?.parse().ok()?;
        Some((n, name))
    })
    .collect()
}

const LAYOUT: [&str; 6] = ["guides", "rules", "scaffolds", "synonyms", "skill", "eval"];

fn knowledge_root(dir: &Path) -> PathBuf {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return dir.to_path_buf();
    };
    let entries: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    let has_layout = entries
        .iter()
        .any(|e| LAYOUT.contains(&e.file_name().to_string_lossy().as_ref()));
    match entries.as_slice() {
        [only] if !has_layout && only.file_type().is_ok_and(|t| t.is_dir()) => only.path(),
        _ => dir.to_path_buf(),
    }
}

/// The path of an archive entry below the root, or why it is refused.
fn safe_relative(name: &str) -> Result<Option<PathBuf>, String> {
    let path = Path::new(name);
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!("entry `{name}` has a `..` component; refused"));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("entry `{name}` is an absolute path; refused"));
            }
        }
    }
    if name.contains('\\') {
        return Err(format!("entry `{name}` has a backslash; refused"));
    }
    Ok((!out.as_os_str().is_empty()).then_some(out))
}

/// Bounded copy of one entry into a new file below `root`.
fn write_entry(
    root: &Path,
    rel: &Path,
    reader: &mut dyn Read,
    budget: &mut u64,
) -> Result<(), String> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    // create_new: a second entry with the same name (or a name a link made) fails.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", rel.display()))?;
    let copied = std::io::copy(&mut reader.take(*budget + 1), &mut file)
        .map_err(|e| format!("{}: {e}", rel.display()))?;
    if copied > *budget {
        return Err(format!(
            "unpacks to more than {MAX_UNPACKED_BYTES} bytes; refused"
        ));
    }
    *budget -= copied;
    Ok(())
}

fn unpack_tar_gz(body: &[u8], root: &Path) -> Result<(), String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(body));
    let mut budget = MAX_UNPACKED_BYTES;
    let entries = archive.entries().map_err(|e| e.to_string())?;
    for (count, entry) in entries.enumerate() {
        if count >= MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} entries; refused"));
        }
        let mut entry = entry.map_err(|e| format!("not a valid .tar.gz: {e}"))?;
        let name = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .into_owned();
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let Some(rel) = safe_relative(&name)? else {
            continue;
        };
        if kind.is_dir() {
            std::fs::create_dir_all(root.join(&rel)).map_err(|e| format!("{name}: {e}"))?;
        } else if kind.is_file() {
            write_entry(root, &rel, &mut entry, &mut budget)?;
        } else {
            return Err(format!(
                "entry `{name}` is not a plain file or directory (links are refused)"
            ));
        }
    }
    Ok(())
}

fn unpack_zip(body: &[u8], root: &Path) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body))
        .map_err(|e| format!("not a valid .zip: {e}"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!("more than {MAX_ENTRIES} entries; refused"));
    }
    let mut budget = MAX_UNPACKED_BYTES;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| e.to_string())?;
        let name = file.name().map_err(|e| e.to_string())?.into_owned();
        let Some(rel) = safe_relative(&name)? else {
            continue;
        };
        if file.is_symlink() {
            return Err(format!("entry `{name}` is a link; refused"));
        }
        if file.is_dir() {
            std::fs::create_dir_all(root.join(&rel)).map_err(|e| format!("{name}: {e}"))?;
        } else {
            write_entry(root, &rel, &mut file, &mut budget)?;
        }
    }
    Ok(())
}

fn write_markdown(body: &[u8], file_name: &str, root: &Path) -> Result<(), String> {
    std::str::from_utf8(body).map_err(|e| format!("not UTF-8 text: {e}"))?;
    let rel = safe_relative(file_name)?.unwrap_or_else(|| PathBuf::from("remote.md"));
    let mut budget = MAX_UNPACKED_BYTES;
    write_entry(&root.join("guides"), &rel, &mut &body[..], &mut budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_must_stay_inside() {
        assert_eq!(
            safe_relative("kb/guides/a.md").unwrap(),
            Some(PathBuf::from("kb/guides/a.md"))
        );
        assert_eq!(safe_relative("./").unwrap(), None);
        assert!(safe_relative("../evil.md").is_err());
        assert!(safe_relative("kb/../../evil.md").is_err());
        assert!(safe_relative("/etc/passwd").is_err());
        assert!(safe_relative("kb\\..\\evil.md").is_err());
    }

    #[test]
    fn urls_are_checked_and_cached_under_stable_names() {
        let cache = Path::new("/cache");
        let r = parse_remote("https://example.com/team/kb.tar.gz?x=1", cache).unwrap();
        assert_eq!(r.kind, Kind::TarGz);
        assert!(r.entry.starts_with(cache));
        assert!(r.entry.to_string_lossy().ends_with("-kb.tar.gz"));
        assert_eq!(
            r.entry,
            parse_remote("https://example.com/team/kb.tar.gz?x=1", cache)
                .unwrap()
                .entry
        );
        assert_eq!(
            parse_remote("http://h/a.ZIP", cache).unwrap().kind,
            Kind::Zip
        );
        assert_eq!(
            parse_remote("http://h/a.md", cache).unwrap().kind,
            Kind::Markdown
        );
        assert!(parse_remote("ftp://h/a.zip", cache).is_err());
        assert!(parse_remote("http://h/a.txt", cache).is_err());
    }

    #[test]
    fn redirects_resolve() {
        let base: Uri = "https://h.example/a/b/kb.zip".parse().unwrap();
        assert_eq!(
            resolve(&base, "/x.zip").unwrap().to_string(),
            "https://h.example/x.zip"
        );
        assert_eq!(
            resolve(&base, "y.zip").unwrap().to_string(),
            "https://h.example/a/b/y.zip"
        );
        assert_eq!(
            resolve(&base, "http://o.example/z.zip")
                .unwrap()
                .to_string(),
            "http://o.example/z.zip"
        );
    }
}
