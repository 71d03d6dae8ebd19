//! Remote knowledge (`serve --knowledge-url`) against a local HTTP server on
//! 127.0.0.1: .tar.gz, .zip and single .md sources, ETag revalidation, refresh
//! into a live server, the size limit, archive entries that try to escape, and
//! the cached copy serving after the remote is gone.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::reload::{ReloadEvent, Reloader};
use serverless_guide::remote::{RemoteError, RemoteKnowledge, RemoteOptions};
use serverless_guide::search::SearchOptions;
use serverless_guide::snapshot::Snapshot;
use tokio_util::sync::CancellationToken;

fn guide(id: &str, word: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Remote {word} standard\ncategory: reliability\nservices: [sqs]\n\
         summary: How the platform team handles {word} queues.\nlast_reviewed: 2026-12-01\n---\n\
         # Remote {word} standard\n\n## Rules\n\nEvery {word} queue has a dead-letter queue.\n"
    )
}

/// path -> (body, ETag)
type Served = HashMap<String, (Vec<u8>, String)>;

/// Files served by the test server.
#[derive(Clone, Default)]
struct Files {
    files: Arc<Mutex<Served>>,
    /// (path, status) of every request.
    log: Arc<Mutex<Vec<(String, u16)>>>,
}

impl Files {
    fn put(&self, path: &str, body: Vec<u8>) {
        let etag = format!(
            "\"{}-{}\"",
            body.len(),
            body.iter().map(|b| *b as u64).sum::<u64>()
        );
        self.files
            .lock()
            .unwrap()
            .insert(path.to_string(), (body, etag));
    }

    fn statuses(&self, path: &str) -> Vec<u16> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, s)| *s)
            .collect()
    }
}

async fn serve_file(
    State(files): State<Files>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let found = files.files.lock().unwrap().get(&path).cloned();
    let response = match found {
        None => StatusCode::NOT_FOUND.into_response(),
        Some((_, etag))
            if headers
                .get(header::IF_NONE_MATCH)
                .is_some_and(|v| v.as_bytes() == etag.as_bytes()) =>
        {
            (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response()
        }
        Some((body, etag)) => (StatusCode::OK, [(header::ETAG, etag)], body).into_response(),
    };
    files
        .log
        .lock()
        .unwrap()
        .push((path, response.status().as_u16()));
    response
}

struct Remote {
    addr: SocketAddr,
    files: Files,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Remote {
    fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    /// Stops the server and waits until its port refuses connections.
    async fn gone(self) {
        self.stop.cancel();
        self.task.await.unwrap();
        assert!(tokio::net::TcpStream::connect(self.addr).await.is_err());
    }
}

async fn remote_server() -> Remote {
    let files = Files::default();
    let app = axum::Router::new()
        .route("/{*path}", axum::routing::get(serve_file))
        .with_state(files.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let token = stop.clone();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await
            .unwrap();
    });
    Remote {
        addr,
        files,
        stop,
        task,
    }
}

/// A .tar.gz; each entry is (name, body), a body starting with `->` is a symlink.
fn tar_gz(entries: &[(&str, &str)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, body) in entries {
        let mut h = tar::Header::new_gnu();
        // Names are written raw, so the tests can build entries tar's own checks refuse.
        let raw = &mut h.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        h.set_mode(0o644);
        if let Some(target) = body.strip_prefix("->") {
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_link_name(target).unwrap();
            h.set_size(0);
            h.set_cksum();
            tar.append(&h, std::io::empty()).unwrap();
        } else {
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(body.len() as u64);
            h.set_cksum();
            tar.append(&h, body.as_bytes()).unwrap();
        }
    }
    tar.into_inner().unwrap().finish().unwrap()
}

fn zip(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, body) in entries {
        if let Some(target) = body.strip_prefix("->") {
            zip.add_symlink(*name, target, opts).unwrap();
        } else {
            zip.start_file(*name, opts).unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
    }
    zip.finish().unwrap().into_inner()
}

fn options(cache: &Path) -> RemoteOptions {
    RemoteOptions {
        cache_dir: cache.to_path_buf(),
        max_bytes: 1024 * 1024,
        timeout: Duration::from_secs(5),
    }
}

fn sources(remote: &RemoteKnowledge) -> KnowledgeSources {
    KnowledgeSources::new(false, remote.dirs())
}

fn top_hit(snapshot: &Snapshot, query: &str) -> Option<String> {
    let hits = snapshot
        .index
        .search(query, &SearchOptions::default())
        .unwrap();
    hits.first().map(|h| {
        let id = h.uri.trim_start_matches("guide://");
        id.split('#').next().unwrap_or(id).to_string()
    })
}

#[tokio::test]
async fn tar_gz_zip_and_markdown_are_served_and_revalidated() {
    let server = remote_server().await;
    server.files.put(
        "team/kb.tar.gz",
        tar_gz(&[
            // One top folder, as `tar czf kb.tar.gz kb/` makes.
            (
                "kb/guides/team/alpha.md",
                &guide("remote-alpha", "zanzibar"),
            ),
            ("kb/README.md", "not a guide: outside guides/"),
        ]),
    );
    server.files.put(
        "team/kb.zip",
        zip(&[("guides/beta.md", &guide("remote-beta", "quetzalcoatl"))]),
    );
    server.files.put(
        "one/gamma.md",
        guide("remote-gamma", "kilimanjaro").into_bytes(),
    );
    let cache = tempfile::tempdir().unwrap();
    let urls = vec![
        server.url("team/kb.tar.gz"),
        server.url("team/kb.zip"),
        server.url("one/gamma.md"),
    ];
    let remote = RemoteKnowledge::new(&urls, options(cache.path())).unwrap();
    remote.prepare().await.unwrap();
    let snapshot = Snapshot::load(sources(&remote)).unwrap();
    assert_eq!(snapshot.library.len(), 3);
    assert_eq!(
        top_hit(&snapshot, "zanzibar").as_deref(),
        Some("remote-alpha")
    );
    assert_eq!(
        top_hit(&snapshot, "quetzalcoatl").as_deref(),
        Some("remote-beta")
    );
    assert_eq!(
        top_hit(&snapshot, "kilimanjaro").as_deref(),
        Some("remote-gamma")
    );

    // Unchanged: the ETag comes back and the server answers 304.
    assert!(!remote.refresh().await);
    assert_eq!(server.files.statuses("team/kb.tar.gz"), [200, 304]);
    assert_eq!(server.files.statuses("one/gamma.md"), [200, 304]);

    // Changed: a new version is downloaded and becomes current.
    server.files.put(
        "team/kb.zip",
        zip(&[("guides/beta.md", &guide("remote-beta", "popocatepetl"))]),
    );
    assert!(remote.refresh().await);
    let snapshot = Snapshot::load(sources(&remote)).unwrap();
    assert_eq!(
        top_hit(&snapshot, "popocatepetl").as_deref(),
        Some("remote-beta")
    );
    assert_eq!(top_hit(&snapshot, "quetzalcoatl"), None);
    server.gone().await;
}

#[tokio::test]
async fn cached_copy_keeps_serving_when_the_remote_is_gone() {
    let server = remote_server().await;
    server.files.put(
        "kb.tar.gz",
        tar_gz(&[("guides/alpha.md", &guide("remote-alpha", "zanzibar"))]),
    );
    let cache = tempfile::tempdir().unwrap();
    let url = vec![server.url("kb.tar.gz")];
    let remote = RemoteKnowledge::new(&url, options(cache.path())).unwrap();
    remote.prepare().await.unwrap();

    // A live server with a refresher, as `serve --knowledge-url` runs it.
    let state = Arc::new(ArcSwap::from_pointee(
        Snapshot::load(sources(&remote)).unwrap(),
    ));
    let remote = Arc::new(remote);
    let layers = {
        let remote = Arc::clone(&remote);
        move || sources(&remote)
    };
    let reloader = Reloader::with_sources(layers, Arc::clone(&state));
    let mut events = reloader.subscribe();
    let refresh =
        Arc::clone(&remote).spawn_refresh(Duration::from_millis(200), Arc::clone(&reloader));

    // A new version on the remote reaches the running server.
    server.files.put(
        "kb.tar.gz",
        tar_gz(&[
            ("guides/alpha.md", &guide("remote-alpha", "zanzibar")),
            ("guides/beta.md", &guide("remote-beta", "quetzalcoatl")),
        ]),
    );
    let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("no reload after the remote changed")
        .unwrap();
    assert!(
        matches!(event, ReloadEvent::Reloaded { documents: 2, .. }),
        "{event:?}"
    );
    assert_eq!(
        top_hit(&state.load(), "quetzalcoatl").as_deref(),
        Some("remote-beta")
    );

    // The remote goes away: refreshes fail, nothing is reloaded, the copy serves.
    server.gone().await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        events.try_recv().is_err(),
        "a failed refresh must not reload"
    );
    assert_eq!(
        top_hit(&state.load(), "zanzibar").as_deref(),
        Some("remote-alpha")
    );
    refresh.abort();

    // A restart with the remote still gone starts from the cached copy.
    let again = RemoteKnowledge::new(&url, options(cache.path())).unwrap();
    again.prepare().await.unwrap();
    let snapshot = Snapshot::load(sources(&again)).unwrap();
    assert_eq!(
        top_hit(&snapshot, "quetzalcoatl").as_deref(),
        Some("remote-beta")
    );

    // With no cached copy, an unreachable remote is an error that names it.
    let empty = tempfile::tempdir().unwrap();
    let fresh = RemoteKnowledge::new(&url, options(empty.path())).unwrap();
    let err = fresh.prepare().await.unwrap_err();
    assert!(matches!(err, RemoteError::Fetch { .. }), "{err}");
    assert!(err.to_string().contains("kb.tar.gz"), "{err}");
}

#[tokio::test]
async fn archive_entries_outside_the_cache_and_oversized_downloads_are_refused() {
    let server = remote_server().await;
    let outside = tempfile::tempdir().unwrap();
    let abs = format!("{}/abs.md", outside.path().display());
    let good = guide("ok", "fine");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "dotdot.tar.gz",
            tar_gz(&[("guides/ok.md", &good), ("../evil.md", "x")]),
            "..",
        ),
        (
            "nested.tar.gz",
            tar_gz(&[("guides/../../evil.md", "x")]),
            "..",
        ),
        ("abs.tar.gz", tar_gz(&[(abs.as_str(), "x")]), "absolute"),
        (
            "link.tar.gz",
            tar_gz(&[("guides/link.md", "->/etc/passwd")]),
            "link",
        ),
        ("dotdot.zip", zip(&[("../evil.md", "x")]), ".."),
        (
            "link.zip",
            zip(&[("guides/link.md", "->/etc/passwd")]),
            "link",
        ),
        (
            "garbage.zip",
            b"this is not a zip".to_vec(),
            "not a valid .zip",
        ),
        ("big.tar.gz", vec![0u8; 2 * 1024 * 1024], "limit"),
    ];
    let cache = tempfile::tempdir().unwrap();
    for (name, body, why) in cases {
        server.files.put(name, body);
        let remote = RemoteKnowledge::new(&[server.url(name)], options(cache.path())).unwrap();
        let err = remote.prepare().await.expect_err(name).to_string();
        assert!(err.contains(why), "{name}: {err}");
        assert!(
            remote.dirs().is_empty(),
            "{name}: a refused download became current"
        );
    }
    // Nothing landed outside the cache root, and no half-unpacked copy is left in it.
    assert!(!outside.path().join("abs.md").exists());
    assert!(!cache.path().join("evil.md").exists());
    assert!(!cache.path().parent().unwrap().join("evil.md").exists());
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        let entry = entry.unwrap().path();
        let left: Vec<_> = std::fs::read_dir(&entry).unwrap().collect();
        assert!(left.is_empty(), "{} has {left:?}", entry.display());
    }
    // Bad URLs are refused before anything is fetched.
    for bad in [
        "ftp://example.com/kb.zip",
        "http://127.0.0.1/kb.rar",
        "not a url",
    ] {
        assert!(
            RemoteKnowledge::new(&[bad.to_string()], options(cache.path())).is_err(),
            "{bad}"
        );
    }
    server.gone().await;
}

/// The binary: `serve --knowledge-url` serves the archive, and serves it again
/// after a restart with the HTTP server gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_knowledge_url_survives_the_remote_going_away() {
    use rmcp::ServiceExt;
    use rmcp::model::CallToolRequestParams;
    use rmcp::transport::StreamableHttpClientTransport;
    use tokio::io::AsyncBufReadExt;

    let server = remote_server().await;
    server.files.put(
        "kb.tar.gz",
        tar_gz(&[("guides/alpha.md", &guide("remote-alpha", "zanzibar"))]),
    );
    let url = server.url("kb.tar.gz");
    let cache = tempfile::tempdir().unwrap();

    let search_once = async |url: &str| -> String {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_serverless-guide"))
            .args(["serve", "--transport", "http", "--bind", "127.0.0.1:0"])
            .args([
                "--log-format",
                "json",
                "--knowledge-url",
                url,
                "--cache-dir",
            ])
            .arg(cache.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                if v["fields"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("serving MCP over HTTP"))
                {
                    return v["fields"]["addr"].as_str().unwrap().to_string();
                }
            }
            panic!("server exited before listening");
        })
        .await
        .expect("server did not start");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let client = ()
            .serve(StreamableHttpClientTransport::from_uri(format!(
                "http://{addr}/mcp"
            )))
            .await
            .expect("initialize");
        let mut args = serde_json::Map::new();
        args.insert("query".into(), serde_json::json!("zanzibar"));
        let res = client
            .call_tool(
                CallToolRequestParams::new("search_guidance".to_string()).with_arguments(args),
            )
            .await
            .unwrap();
        client.cancel().await.unwrap();
        child.kill().await.unwrap();
        res.structured_content.unwrap()["results"][0]["uri"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert!(search_once(&url).await.starts_with("guide://remote-alpha"));
    server.gone().await;
    assert!(search_once(&url).await.starts_with("guide://remote-alpha"));
}

#[tokio::test]
async fn a_broken_new_version_never_replaces_the_cached_copy() {
    let server = remote_server().await;
    server.files.put(
        "kb.tar.gz",
        tar_gz(&[("guides/alpha.md", &guide("remote-alpha", "zanzibar"))]),
    );
    let cache = tempfile::tempdir().unwrap();
    let url = vec![server.url("kb.tar.gz")];
    let remote = RemoteKnowledge::new(&url, options(cache.path())).unwrap();
    remote.prepare().await.unwrap();

    // The remote publishes a version whose document has no front matter.
    server.files.put(
        "kb.tar.gz",
        tar_gz(&[("guides/alpha.md", "# no front matter here\n")]),
    );
    assert!(!remote.refresh().await, "a broken version is not a change");

    // A restart (remote now gone) still starts from the last good copy.
    server.gone().await;
    let again = RemoteKnowledge::new(&url, options(cache.path())).unwrap();
    again.prepare().await.unwrap();
    let snapshot = Snapshot::load(sources(&again)).unwrap();
    assert_eq!(
        top_hit(&snapshot, "zanzibar").as_deref(),
        Some("remote-alpha")
    );
}
