//! Legacy HTTP+SSE transport (MCP 2024-11-05), which rmcp no longer ships:
//! `GET /sse` opens a stream whose first event names the POST endpoint;
//! `POST /messages?sessionId=` feeds client messages into that session.
//! Built on rmcp's sink/stream transport; same guard as `/mcp` (see guard.rs).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use tokio_util::sync::CancellationToken;

use super::guard::{SessionCount, rpc_error};
use crate::mcp::GuideServer;
use crate::snapshot::Snapshot;

/// Messages buffered per direction before the sender waits.
const CHANNEL: usize = 64;

#[derive(Clone)]
pub struct SseState {
    snapshot: Arc<ArcSwap<Snapshot>>,
    sessions: Arc<Mutex<HashMap<String, Session>>>,
    count: Arc<SessionCount>,
    max_sessions: usize,
    idle: Duration,
    shutdown: CancellationToken,
    tools: Option<Arc<Vec<String>>>,
    /// Told about live reloads, like Streamable HTTP clients.
    peers: Option<crate::mcp::Peers>,
}

#[derive(Clone)]
struct Session {
    to_server: mpsc::Sender<ClientJsonRpcMessage>,
    /// Cancelled when the session ends; also touched on every message (idle timer).
    touch: tokio::sync::mpsc::Sender<()>,
}

impl SseState {
    pub fn new(
        snapshot: Arc<ArcSwap<Snapshot>>,
        count: Arc<SessionCount>,
        max_sessions: usize,
        idle: Duration,
        shutdown: CancellationToken,
        tools: Option<Vec<String>>,
        peers: Option<crate::mcp::Peers>,
    ) -> Self {
        Self {
            snapshot,
            sessions: Arc::new(Mutex::new(HashMap::new())),
            count,
            max_sessions,
            idle,
            shutdown,
            tools: tools.map(Arc::new),
            peers,
        }
    }
}

pub fn router(state: SseState) -> Router<Arc<super::Metrics>> {
    Router::new()
        .route("/sse", get(open))
        .route("/messages", post(message))
        .route("/message", post(message))
        .with_state(state)
}

/// Removes the session and stops its service when the client goes away.
struct SessionGuard {
    id: String,
    state: SseState,
    ct: CancellationToken,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.ct.cancel();
        if let Ok(mut map) = self.state.sessions.lock()
            && map.remove(&self.id).is_some()
        {
            self.state.count.sse.fetch_sub(1, Ordering::Relaxed);
        }
        tracing::debug!(session = %self.id, "legacy SSE session closed");
    }
}

async fn open(State(state): State<SseState>) -> Response {
    if state.count.total().await >= state.max_sessions {
        return rpc_error(
            StatusCode::SERVICE_UNAVAILABLE,
            -32000,
            "Too many sessions: the server's session limit is reached; retry later",
        );
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (c2s_tx, c2s_rx) = mpsc::channel::<ClientJsonRpcMessage>(CHANNEL);
    let (s2c_tx, s2c_rx) = mpsc::channel::<ServerJsonRpcMessage>(CHANNEL);
    let (touch_tx, mut touch_rx) = tokio::sync::mpsc::channel::<()>(1);
    let ct = state.shutdown.child_token();
    {
        let Ok(mut map) = state.sessions.lock() else {
            return rpc_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                -32603,
                "session table unavailable",
            );
        };
        map.insert(
            id.clone(),
            Session {
                to_server: c2s_tx,
                touch: touch_tx,
            },
        );
        state.count.sse.fetch_add(1, Ordering::Relaxed);
    }
    // serve() waits for `initialize`, which arrives through POST /messages: run it apart.
    let mut server = GuideServer::with_state(Arc::clone(&state.snapshot));
    if let Some(peers) = &state.peers {
        server = server.with_peers(peers.clone());
    }
    if let Some(tools) = &state.tools {
        // Names were checked when the server started.
        match server.restrict_tools(tools) {
            Ok(s) => server = s,
            Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
        }
    }
    let service_ct = ct.clone();
    tokio::spawn(async move {
        let transport = (s2c_tx.sink_map_err(std::io::Error::other), c2s_rx);
        match server.serve_with_ct(transport, service_ct).await {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(e) => tracing::debug!("legacy SSE session ended before initialize: {e}"),
        }
    });
    // Idle timeout: no message for `idle` ends the session.
    let idle = state.idle;
    let idle_ct = ct.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = idle_ct.cancelled() => break,
                got = tokio::time::timeout(idle, touch_rx.recv()) => match got {
                    Ok(Some(())) => continue,
                    _ => { idle_ct.cancel(); break; }
                },
            }
        }
    });
    let guard = SessionGuard {
        id: id.clone(),
        state: state.clone(),
        ct: ct.clone(),
    };
    let endpoint = futures::stream::once(async move {
        Ok::<_, Infallible>(
            Event::default()
                .event("endpoint")
                .data(format!("/messages?sessionId={id}")),
        )
    });
    let messages = s2c_rx.map(move |msg| {
        let _keep = &guard;
        let data = serde_json::to_string(&msg).unwrap_or_else(|e| {
            format!("{{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{{\"code\":-32603,\"message\":\"serialization failed: {e}\"}}}}")
        });
        Ok::<_, Infallible>(Event::default().event("message").data(data))
    });
    let stream = endpoint.chain(messages).take_until(ct.cancelled_owned());
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    response.headers_mut().insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    response
}

#[derive(serde::Deserialize)]
struct SessionQuery {
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
}

async fn message(
    State(state): State<SseState>,
    Query(q): Query<SessionQuery>,
    body: Bytes,
) -> Response {
    let Some(id) = q.session_id else {
        return rpc_error(
            StatusCode::BAD_REQUEST,
            -32600,
            "missing sessionId query parameter: open GET /sse first and POST to the endpoint it names",
        );
    };
    let session = state.sessions.lock().ok().and_then(|m| m.get(&id).cloned());
    let Some(mut session) = session else {
        return rpc_error(
            StatusCode::NOT_FOUND,
            -32600,
            "unknown or expired session: open a new stream with GET /sse",
        );
    };
    let msg: ClientJsonRpcMessage = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                -32700,
                &format!("Parse error: {e}"),
            );
        }
    };
    let _ = session.touch.try_send(());
    if session.to_server.send(msg).await.is_err() {
        return rpc_error(
            StatusCode::NOT_FOUND,
            -32600,
            "session has ended: open a new stream with GET /sse",
        );
    }
    StatusCode::ACCEPTED.into_response()
}
