//! The connected clients a server can reach outside a request, so a reload can
//! be announced: `notifications/resources/list_changed` after a new snapshot is
//! swapped in, and a logging notification when an edit failed to load.

use std::sync::{Arc, Mutex};
use std::time::Duration;

#[allow(deprecated)] // MCP logging (SEP-2577); see `send`.
use rmcp::model::{LoggingLevel, LoggingMessageNotificationParam};
use rmcp::{Peer, RoleServer};
use tokio::sync::broadcast;

use crate::reload::ReloadEvent;

/// How long one client may take to accept a notification before it is skipped.
const SEND_TIMEOUT: Duration = Duration::from_secs(2);

/// A registry of live client sessions. Cheap to clone; clones share the list.
/// Closed sessions are pruned whenever the list is read or added to.
#[derive(Clone, Default)]
pub struct Peers {
    inner: Arc<Mutex<List>>,
}

#[derive(Default)]
struct List {
    next_id: u64,
    peers: Vec<(u64, Peer<RoleServer>)>,
}

impl List {
    fn prune(&mut self) {
        self.peers.retain(|(_, p)| !p.is_transport_closed());
    }
}

impl std::fmt::Debug for Peers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peers").field("live", &self.len()).finish()
    }
}

impl Peers {
    /// Remembers a client that finished initializing.
    pub fn add(&self, peer: Peer<RoleServer>) {
        let mut list = self.lock();
        list.prune();
        let id = list.next_id;
        list.next_id += 1;
        list.peers.push((id, peer));
    }

    /// The number of clients still connected.
    pub fn len(&self) -> usize {
        self.live().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The clients still connected.
    pub fn live(&self) -> Vec<Peer<RoleServer>> {
        self.live_with_ids().into_iter().map(|(_, p)| p).collect()
    }

    fn live_with_ids(&self) -> Vec<(u64, Peer<RoleServer>)> {
        let mut list = self.lock();
        list.prune();
        list.peers.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, List> {
        // A panic while holding this lock cannot leave the list half-changed.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tells every live client about one reload. A client that cannot be reached
    /// is dropped from the list.
    pub async fn announce(&self, event: &ReloadEvent) {
        let peers = self.live_with_ids();
        if peers.is_empty() {
            return;
        }
        let sends = peers.iter().map(|(id, peer)| async move {
            let sent = tokio::time::timeout(SEND_TIMEOUT, send(peer, event)).await;
            (*id, matches!(sent, Ok(Ok(()))))
        });
        let failed: Vec<u64> = futures::future::join_all(sends)
            .await
            .into_iter()
            .filter_map(|(id, ok)| (!ok).then_some(id))
            .collect();
        tracing::debug!(
            clients = peers.len(),
            failed = failed.len(),
            "announced knowledge reload to clients"
        );
        if !failed.is_empty() {
            let mut list = self.lock();
            list.peers.retain(|(id, _)| !failed.contains(id));
            list.prune();
        }
    }

    /// Forwards every event from a reloader to the live clients until the
    /// reloader is gone.
    pub fn forward(
        self,
        mut events: broadcast::Receiver<ReloadEvent>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => self.announce(&event).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        })
    }
}

#[allow(deprecated)]
async fn send(peer: &Peer<RoleServer>, event: &ReloadEvent) -> Result<(), rmcp::ServiceError> {
    match event {
        ReloadEvent::Reloaded { .. } => peer.notify_resource_list_changed().await,
        ReloadEvent::Failed { error } => {
            // Logging is deprecated by SEP-2577, but it is the one way to put a
            // server-side error in front of a client that is not asking anything.
            let param = LoggingMessageNotificationParam::new(
                LoggingLevel::Error,
                serde_json::json!({
                    "message": "knowledge reload failed; still serving the last good version",
                    "error": error,
                }),
            )
            .with_logger(env!("CARGO_PKG_NAME"));
            peer.notify_logging_message(param).await
        }
    }
}
