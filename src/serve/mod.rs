//! Transports for the MCP server: stdio, Streamable HTTP (`/mcp`) and legacy
//! HTTP+SSE (`/sse` + `/messages`), with the checks a shared server needs
//! (Host/Origin allowlists, bearer tokens, body, rate and concurrency limits,
//! sessions cap, graceful shutdown) and `/healthz` + `/metrics`.

mod conn;
mod guard;
pub mod jsonrpc;
mod metrics;
mod sse;
pub mod stdio;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::mcp::{GuideServer, Peers};
use crate::snapshot::Snapshot;

pub use guard::{is_loopback_bind, load_tokens};
pub use metrics::Metrics;
pub use stdio::serve_stdio;

/// Everything `serve --transport http` can be told.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub bind: SocketAddr,
    /// Extra Host header values to accept (loopback names are always accepted).
    pub allowed_hosts: Vec<String>,
    /// Extra Origin values to accept (`scheme://host[:port|:*]`; loopback origins are always accepted).
    pub allowed_origins: Vec<String>,
    /// Bearer tokens; empty means no authentication.
    pub tokens: Vec<String>,
    /// Serve every client statelessly (no `Mcp-Session-Id`), so replicas need no affinity.
    pub stateless: bool,
    pub max_body_bytes: usize,
    /// Requests handled at once; more wait up to `request_timeout`, then get 503.
    pub max_concurrency: usize,
    /// Requests per second per client (token or IP); 0 turns the limit off.
    pub rate_limit: u32,
    pub request_timeout: Duration,
    /// Time a client has to send a request's headers (also how long an idle
    /// keep-alive connection stays open); then the connection is closed.
    pub header_timeout: Duration,
    /// Streamable HTTP sessions plus legacy SSE sessions.
    pub max_sessions: usize,
    pub session_idle_timeout: Duration,
    /// Offer only these tools (`--tools`); `None` offers all.
    pub tools: Option<Vec<String>>,
    /// Register Streamable HTTP clients here so live reload can notify them.
    pub peers: Option<Peers>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8787)),
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            tokens: Vec::new(),
            stateless: false,
            max_body_bytes: 1024 * 1024,
            max_concurrency: 256,
            rate_limit: 0,
            request_timeout: Duration::from_secs(60),
            header_timeout: Duration::from_secs(30),
            max_sessions: 1000,
            session_idle_timeout: Duration::from_secs(300),
            tools: None,
            peers: None,
        }
    }
}

/// The HTTP application, ready to be served; `shutdown` ends every session and stream.
pub struct HttpApp {
    pub router: Router,
    pub shutdown: CancellationToken,
    pub metrics: Arc<Metrics>,
    pub header_timeout: Duration,
}

/// Builds the axum router for the HTTP transports.
pub fn http_app(state: Arc<ArcSwap<Snapshot>>, cfg: &HttpConfig) -> HttpApp {
    let shutdown = CancellationToken::new();
    let metrics = Arc::new(Metrics::default());
    let factory_state = Arc::clone(&state);
    let tools = cfg.tools.clone();
    let peers = cfg.peers.clone();
    let factory = move || {
        let mut server = GuideServer::with_state(Arc::clone(&factory_state));
        if let Some(peers) = &peers {
            server = server.with_peers(peers.clone());
        }
        match &tools {
            Some(t) => server.restrict_tools(t).map_err(std::io::Error::other),
            None => Ok(server),
        }
    };
    // Host and Origin are checked by our guard for every endpoint alike, so rmcp's own
    // Host check is turned off rather than configured twice.
    let rmcp_cfg = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .with_max_request_body_bytes(cfg.max_body_bytes)
        .with_cancellation_token(shutdown.child_token())
        .with_legacy_session_mode(!cfg.stateless)
        .with_json_response(cfg.stateless);
    let sessions = Arc::new(guard::SessionCount::default());
    let mcp = if cfg.stateless {
        let svc =
            StreamableHttpService::new(factory, Arc::new(NeverSessionManager::default()), rmcp_cfg);
        Router::new().nest_service("/mcp", svc)
    } else {
        let mut manager = LocalSessionManager::default();
        manager.session_config.keep_alive = Some(cfg.session_idle_timeout);
        let manager = Arc::new(manager);
        sessions.set_streamable(Arc::clone(&manager));
        let svc = StreamableHttpService::new(factory, manager, rmcp_cfg);
        Router::new()
            .nest_service("/mcp", svc)
            .layer(axum::middleware::map_response(session_deleted_ok))
    };
    let legacy = sse::router(sse::SseState::new(
        Arc::clone(&state),
        Arc::clone(&sessions),
        cfg.max_sessions,
        cfg.session_idle_timeout,
        shutdown.child_token(),
        cfg.tools.clone(),
        cfg.peers.clone(),
    ));
    let guard_state = guard::Guard::new(cfg, Arc::clone(&metrics), Arc::clone(&sessions));
    // One middleware for every route: it logs and measures all requests and runs the
    // checks on all but /healthz.
    let router = mcp
        .merge(legacy)
        .route("/metrics", get(metrics::handler))
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(Arc::clone(&metrics))
        .layer(axum::middleware::from_fn_with_state(
            guard_state,
            guard::check,
        ));
    HttpApp {
        router,
        shutdown,
        metrics,
        header_timeout: cfg.header_timeout,
    }
}

/// rmcp answers a session DELETE with 202; the spec's clients (the Python SDK
/// among them) expect 200 or 204 and warn otherwise. The session is gone
/// either way, so say 204.
async fn session_deleted_ok(
    method: axum::http::Method,
    mut response: axum::response::Response,
) -> axum::response::Response {
    if method == axum::http::Method::DELETE && response.status() == axum::http::StatusCode::ACCEPTED
    {
        *response.status_mut() = axum::http::StatusCode::NO_CONTENT;
    }
    response
}

/// Serves until SIGINT/SIGTERM (or `stop` is cancelled), then stops accepting,
/// ends open streams and waits for requests in flight.
pub async fn run_http(
    state: Arc<ArcSwap<Snapshot>>,
    cfg: HttpConfig,
    stop: CancellationToken,
) -> std::io::Result<()> {
    let app = http_app(state, &cfg);
    let listener = tokio::net::TcpListener::bind(cfg.bind).await?;
    tracing::info!(addr = %listener.local_addr()?, stateless = cfg.stateless, auth = !cfg.tokens.is_empty(), "serving MCP over HTTP at /mcp (legacy SSE at /sse)");
    serve_on(listener, app, stop).await
}

/// Serves `app` on an already bound listener (tests bind port 0 and read the port).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: HttpApp,
    stop: CancellationToken,
) -> std::io::Result<()> {
    let shutdown = app.shutdown.clone();
    let stop_signal = async move {
        tokio::select! {
            _ = shutdown_signal() => {}
            _ = stop.cancelled() => {}
        }
        tracing::info!("shutting down: draining requests in flight");
        shutdown.cancel();
    };
    conn::serve_connections(listener, app.router, app.header_timeout, stop_signal).await
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
