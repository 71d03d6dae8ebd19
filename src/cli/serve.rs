//! `serve`: the MCP server over stdio or HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use arc_swap::ArcSwap;
use clap::{Args, ValueEnum};
use serverless_guide::mcp::GuideServer;
use serverless_guide::serve::{HttpConfig, is_loopback_bind, load_tokens, run_http, serve_stdio};
use tokio_util::sync::CancellationToken;

use super::Context;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Transport {
    /// JSON-RPC over stdin/stdout: one client, the process that started us.
    Stdio,
    /// Streamable HTTP at /mcp plus legacy HTTP+SSE at /sse: a shared team server.
    Http,
}

const SERVE_HELP: &str = "\
HTTP endpoints (--transport http):
  POST/GET/DELETE /mcp     Streamable HTTP (MCP 2025-03-26 .. 2026-07-28)
  GET /sse, POST /messages legacy HTTP+SSE (MCP 2024-11-05)
  GET /healthz             liveness, never needs a token
  GET /metrics             Prometheus metrics (needs a token when tokens are set)

Security: binds 127.0.0.1 by default. Host and Origin headers are checked on every MCP
endpoint (loopback names are always allowed; add public names with --allowed-host and browser
origins with --allowed-origin). With --token-file or SERVERLESS_GUIDE_TOKENS every request needs
`Authorization: Bearer <token>`. Listening on a non-loopback address without tokens is refused
unless --insecure-no-auth is given.";

#[derive(Debug, Args)]
#[command(after_help = SERVE_HELP)]
pub struct ServeArgs {
    /// How clients connect.
    #[arg(long, value_enum, default_value_t = Transport::Stdio)]
    pub transport: Transport,
    /// Address to listen on (HTTP).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub bind: SocketAddr,
    /// Also accept this Host header (name, or name:port). Repeatable.
    #[arg(long = "allowed-host", value_name = "HOST")]
    pub allowed_hosts: Vec<String>,
    /// Also accept this browser Origin (scheme://host, scheme://host:port or scheme://host:*). Repeatable.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// File of bearer tokens, one per line. Tokens are also read from SERVERLESS_GUIDE_TOKENS (comma-separated).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Allow listening on a non-loopback address without tokens (only behind an authenticating proxy).
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// Serve every client without sessions, so replicas can sit behind any load balancer.
    #[arg(long)]
    pub stateless: bool,
    /// Largest request body in bytes; larger requests get 413.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Requests handled at once; more wait (up to --request-timeout), then get 503.
    #[arg(long, default_value_t = 256)]
    pub max_concurrency: usize,
    /// Requests per second per client (bearer token or IP); 0 = no limit. Over the limit: 429.
    #[arg(long, default_value_t = 0)]
    pub rate_limit: u32,
    /// Seconds a request may take before it gets 504.
    #[arg(long, default_value_t = 60)]
    pub request_timeout: u64,
    /// Most open sessions (Streamable HTTP plus legacy SSE); more get 503.
    #[arg(long, default_value_t = 1000)]
    pub max_sessions: usize,
    /// Seconds an idle session is kept.
    #[arg(long, default_value_t = 300)]
    pub session_idle_timeout: u64,
}

pub fn run(ctx: &Context, args: &ServeArgs) -> anyhow::Result<i32> {
    let http = match args.transport {
        Transport::Http => Some(http_config(args)?),
        Transport::Stdio => None,
    };
    let snapshot = ctx.snapshot()?;
    tracing::info!(documents = snapshot.library.len(), "knowledge loaded");
    let state = Arc::new(ArcSwap::from_pointee(snapshot));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match http {
        None => runtime.block_on(serve_stdio(GuideServer::with_state(state)))?,
        Some(cfg) => runtime
            .block_on(run_http(state, cfg, CancellationToken::new()))
            .with_context(|| format!("serving HTTP on {}", args.bind))?,
    }
    Ok(0)
}

fn http_config(args: &ServeArgs) -> anyhow::Result<HttpConfig> {
    let env = std::env::var("SERVERLESS_GUIDE_TOKENS").ok();
    let tokens = load_tokens(args.token_file.as_deref(), env.as_deref()).with_context(|| {
        format!(
            "reading --token-file {}",
            args.token_file
                .as_deref()
                .unwrap_or_else(|| std::path::Path::new(""))
                .display()
        )
    })?;
    if args.token_file.is_some() && tokens.is_empty() {
        anyhow::bail!("--token-file holds no tokens: put one token per line");
    }
    if !is_loopback_bind(&args.bind) && tokens.is_empty() && !args.insecure_no_auth {
        anyhow::bail!(
            "refusing to listen on {} without authentication: give --token-file FILE (or SERVERLESS_GUIDE_TOKENS), \
             or --insecure-no-auth if a proxy in front authenticates",
            args.bind
        );
    }
    if args.max_body_bytes == 0
        || args.max_concurrency == 0
        || args.max_sessions == 0
        || args.request_timeout == 0
    {
        anyhow::bail!(
            "--max-body-bytes, --max-concurrency, --max-sessions and --request-timeout must be above 0"
        );
    }
    Ok(HttpConfig {
        bind: args.bind,
        allowed_hosts: args.allowed_hosts.clone(),
        allowed_origins: args.allowed_origins.clone(),
        tokens,
        stateless: args.stateless,
        max_body_bytes: args.max_body_bytes,
        max_concurrency: args.max_concurrency,
        rate_limit: args.rate_limit,
        request_timeout: Duration::from_secs(args.request_timeout),
        max_sessions: args.max_sessions,
        session_idle_timeout: Duration::from_secs(args.session_idle_timeout.max(1)),
    })
}
