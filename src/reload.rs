//! Live reload: watch knowledge directories, rebuild the whole [`Snapshot`] in
//! the background and swap it in atomically.
//!
//! Requests in flight keep the snapshot they started with (they hold an
//! `Arc<Snapshot>`); new requests see the new one. A load that fails (a broken
//! edit) leaves the last good snapshot serving. Every outcome is announced as a
//! [`ReloadEvent`] on a broadcast channel, so the MCP layer can tell its clients
//! without this module knowing anything about MCP.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::sync::{Mutex, broadcast, mpsc};

use crate::knowledge::KnowledgeSources;
use crate::snapshot::Snapshot;

/// How long the files must be quiet before a rebuild starts.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(300);

/// While files keep changing without a pause, rebuild at least this often.
const MAX_DELAY: Duration = Duration::from_secs(2);

/// What happened to one reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadEvent {
    /// A new snapshot is being served.
    Reloaded {
        documents: usize,
        rules: usize,
        elapsed_ms: u64,
    },
    /// The files did not load; the previous snapshot is still served.
    Failed { error: String },
}

/// Rebuilds snapshots from one set of sources and swaps them into the shared state.
/// Reloads never run at the same time; a reload asked for during one runs after it.
pub struct Reloader {
    /// Asked for the sources on every reload (remote layers change directory).
    sources: Box<dyn Fn() -> KnowledgeSources + Send + Sync>,
    state: Arc<ArcSwap<Snapshot>>,
    events: broadcast::Sender<ReloadEvent>,
    running: Mutex<()>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader")
            .field("sources", &(self.sources)())
            .finish_non_exhaustive()
    }
}

impl Reloader {
    /// A reloader for `state`, rebuilding from `sources`.
    pub fn new(sources: KnowledgeSources, state: Arc<ArcSwap<Snapshot>>) -> Arc<Self> {
        Self::with_sources(move || sources.clone(), state)
    }

    /// A reloader that asks `sources` for the layers on every reload.
    pub fn with_sources(
        sources: impl Fn() -> KnowledgeSources + Send + Sync + 'static,
        state: Arc<ArcSwap<Snapshot>>,
    ) -> Arc<Self> {
        let (events, _) = broadcast::channel(16);
        Arc::new(Self {
            sources: Box::new(sources),
            state,
            events,
            running: Mutex::new(()),
        })
    }

    /// The shared state this reloader swaps snapshots into.
    pub fn state(&self) -> &Arc<ArcSwap<Snapshot>> {
        &self.state
    }

    /// Every reload outcome from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ReloadEvent> {
        self.events.subscribe()
    }

    /// Rebuilds the snapshot now (on a blocking thread) and swaps it in if it loads.
    /// Returns the event that was also broadcast.
    pub async fn reload(&self) -> ReloadEvent {
        let _one_at_a_time = self.running.lock().await;
        let started = Instant::now();
        let sources = (self.sources)();
        let loaded = tokio::task::spawn_blocking(move || Snapshot::load(sources)).await;
        let event = match loaded {
            Ok(Ok(snapshot)) => {
                let documents = snapshot.library.len();
                let rules = snapshot.rules.len();
                let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                self.state.store(Arc::new(snapshot));
                tracing::info!(documents, rules, elapsed_ms, "knowledge reloaded");
                ReloadEvent::Reloaded {
                    documents,
                    rules,
                    elapsed_ms,
                }
            }
            Ok(Err(e)) => {
                let error = e.to_string();
                tracing::warn!(%error, "knowledge reload failed; still serving the last good version");
                ReloadEvent::Failed { error }
            }
            Err(join) => {
                let error = format!("knowledge reload crashed: {join}");
                tracing::warn!(%error, "still serving the last good version");
                ReloadEvent::Failed { error }
            }
        };
        // No subscriber is fine: nobody needs telling.
        let _ = self.events.send(event.clone());
        event
    }

    /// Watches `dirs` (recursively) and reloads after changes, once the files have
    /// been quiet for `debounce`. Must be called inside a tokio runtime. Watching
    /// stops when the returned handle is dropped.
    pub fn watch(
        self: &Arc<Self>,
        dirs: &[PathBuf],
        debounce: Duration,
    ) -> Result<WatchHandle, notify::Error> {
        let (tx, rx) = mpsc::unbounded_channel::<()>();
        let roots: Vec<PathBuf> = dirs.to_vec();
        let filter_roots = roots.clone();
        let mut watcher =
            notify::recommended_watcher(move |res: notify::Result<notify::Event>| match res {
                Ok(event) => {
                    if is_relevant(&event, &filter_roots) {
                        let _ = tx.send(());
                    }
                }
                Err(e) => {
                    // Events may have been lost: reload to be sure.
                    tracing::warn!(error = %e, "file watcher error");
                    let _ = tx.send(());
                }
            })?;
        for dir in &roots {
            watcher.watch(dir, RecursiveMode::Recursive)?;
            tracing::info!(dir = %dir.display(), "watching knowledge directory for changes");
        }
        let task = tokio::spawn(debounce_loop(Arc::clone(self), rx, debounce));
        Ok(WatchHandle {
            _watcher: Box::new(watcher),
            task,
        })
    }
}

/// Keeps a directory watch alive; dropping it stops watching and reloading.
pub struct WatchHandle {
    _watcher: Box<dyn notify::Watcher + Send>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for WatchHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchHandle").finish_non_exhaustive()
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Waits for a first change, then for `debounce` of quiet (at most [`MAX_DELAY`]
/// in all), then reloads. Changes that arrive during a reload start the next round.
async fn debounce_loop(
    reloader: Arc<Reloader>,
    mut rx: mpsc::UnboundedReceiver<()>,
    debounce: Duration,
) {
    while rx.recv().await.is_some() {
        let deadline = tokio::time::Instant::now() + MAX_DELAY;
        loop {
            let wait =
                debounce.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
            match tokio::time::timeout(wait, rx.recv()).await {
                Ok(Some(())) => continue,
                Ok(None) => return,
                Err(_quiet) => break,
            }
        }
        reloader.reload().await;
    }
}

/// True for events that can change what a load reads: not mere reads, and not
/// hidden files (editor swap files, `.git/`), which the sources skip anyway.
fn is_relevant(event: &notify::Event, roots: &[PathBuf]) -> bool {
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    if event.paths.is_empty() {
        return true;
    }
    event.paths.iter().any(|p| !is_hidden(p, roots))
}

fn is_hidden(path: &Path, roots: &[PathBuf]) -> bool {
    let rel = roots
        .iter()
        .find_map(|r| path.strip_prefix(r).ok())
        .unwrap_or(path);
    rel.components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_hidden_files_do_not_count() {
        let roots = vec![PathBuf::from("/kb/.team")];
        let ev = |kind, path: &str| notify::Event::new(kind).add_path(PathBuf::from(path));
        let modify = EventKind::Modify(notify::event::ModifyKind::Any);
        let access = EventKind::Access(notify::event::AccessKind::Any);
        assert!(is_relevant(&ev(modify, "/kb/.team/guides/a.md"), &roots));
        assert!(!is_relevant(&ev(access, "/kb/.team/guides/a.md"), &roots));
        assert!(!is_relevant(
            &ev(modify, "/kb/.team/guides/.a.md.swp"),
            &roots
        ));
        assert!(!is_relevant(&ev(modify, "/kb/.team/.git/index"), &roots));
    }
}
