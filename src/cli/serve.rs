//! `serve`: the MCP server over stdio or HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use arc_swap::ArcSwap;
use clap::{Args, ValueEnum};
use serverless_guide::knowledge::{KnowledgeSources, Layer};
use serverless_guide::mcp::{GuideServer, Peers};
use serverless_guide::reload::{DEFAULT_DEBOUNCE, Reloader};
use serverless_guide::remote::{RemoteKnowledge, RemoteOptions, default_cache_dir};
use serverless_guide::serve::{HttpConfig, is_loopback_bind, load_tokens, run_http, serve_stdio};
use serverless_guide::snapshot::Snapshot;
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
    /// Seconds a client has to send a request's headers; also how long an idle
    /// keep-alive connection is kept. Slower clients are disconnected.
    #[arg(long, default_value_t = 30)]
    pub header_timeout: u64,
    /// Most open sessions (Streamable HTTP plus legacy SSE); more get 503.
    #[arg(long, default_value_t = 1000)]
    pub max_sessions: usize,
    /// Seconds an idle session is kept.
    #[arg(long, default_value_t = 300)]
    pub session_idle_timeout: u64,
    /// Offer only these tools (comma-separated), e.g. --tools search_guidance,read_guidance.
    /// Default: all seven (search_guidance, read_guidance, list_guidance, review_code,
    /// explain_rule, list_scaffolds, scaffold_pattern).
    #[arg(long, value_delimiter = ',', value_name = "TOOLS")]
    pub tools: Option<Vec<String>>,
    /// Reload the knowledge when a file in a --knowledge directory changes (on by default
    /// for --transport http with at least one --knowledge DIR). A broken edit keeps the
    /// last good version serving.
    #[arg(long, conflicts_with = "no_watch")]
    pub watch: bool,
    /// Do not watch --knowledge directories for changes.
    #[arg(long)]
    pub no_watch: bool,
    /// Also serve knowledge from a URL: a .tar.gz/.tgz or .zip of a directory laid out like
    /// knowledge/, or one .md guide. Repeatable. Cached on disk and refreshed every --refresh;
    /// when the URL is unreachable the cached copy keeps serving. --knowledge DIRs win over it.
    #[arg(long = "knowledge-url", value_name = "URL")]
    pub knowledge_urls: Vec<String>,
    /// Cache for --knowledge-url downloads [default: $XDG_CACHE_HOME/serverless-guide or
    /// ~/.cache/serverless-guide].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// How often --knowledge-url sources are checked for a new version (e.g. 30s, 10m, 1h).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub refresh: Duration,
    /// Open the search index written by `index build --out INDEX_DIR` instead of indexing at
    /// start-up (fast replica starts). Used only when it was built from the same knowledge by
    /// this version; otherwise a warning is logged and the index is built in RAM. Reloads
    /// (--watch, --knowledge-url refreshes) always index in RAM.
    #[arg(long, value_name = "INDEX_DIR")]
    pub index: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: &ServeArgs) -> anyhow::Result<i32> {
    let http = match args.transport {
        Transport::Http => Some(http_config(args)?),
        Transport::Stdio => None,
    };
    if let Some(tools) = &args.tools {
        // Checked before anything starts, so a typo is a usage error, not a broken server.
        let all = GuideServer::all_tool_names();
        if let Some(unknown) = tools.iter().find(|t| !all.contains(t)) {
            anyhow::bail!(
                "--tools: unknown tool `{unknown}`; tools are: {}",
                all.join(", ")
            );
        }
    }
    let dirs: Vec<PathBuf> = ctx.sources.dirs().map(PathBuf::from).collect();
    let watch = if args.no_watch {
        false
    } else if args.watch {
        if dirs.is_empty() {
            anyhow::bail!(
                "--watch needs at least one --knowledge DIR to watch (--knowledge-url sources are refreshed every --refresh)"
            );
        }
        true
    } else {
        args.transport == Transport::Http && !dirs.is_empty()
    };
    let remote = if args.knowledge_urls.is_empty() {
        None
    } else {
        let opts = RemoteOptions {
            cache_dir: args.cache_dir.clone().unwrap_or_else(default_cache_dir),
            ..RemoteOptions::default()
        };
        Some(Arc::new(RemoteKnowledge::new(&args.knowledge_urls, opts)?))
    };
    // Layers: built-in, then each URL's cached copy, then the --knowledge directories.
    let builtin = ctx.sources.layers().first() == Some(&Layer::Builtin);
    let layers = {
        let remote = remote.clone();
        let dirs = dirs.clone();
        move || {
            let mut all = remote.as_ref().map(|r| r.dirs()).unwrap_or_default();
            all.extend(dirs.iter().cloned());
            KnowledgeSources::new(builtin, all)
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        if let Some(remote) = &remote {
            remote.prepare().await?;
        }
        // Over stdio the client waits for `initialize` before anything else, so answer it
        // at once and load the knowledge in the background; requests that need it wait
        // for it. An HTTP server loads first: it must not accept work it cannot do yet.
        let (state, ready) = if http.is_none() {
            let state = Arc::new(ArcSwap::from_pointee(Snapshot::empty()?));
            let (loaded, ready) = tokio::sync::watch::channel(false);
            let (sources, index, target) = (layers(), args.index.clone(), Arc::clone(&state));
            tokio::task::spawn_blocking(move || {
                match Snapshot::load_with_index(sources, index.as_deref()) {
                    Ok(snapshot) => {
                        tracing::info!(documents = snapshot.library.len(), "knowledge loaded");
                        target.store(Arc::new(snapshot));
                        let _ = loaded.send(true);
                    }
                    Err(e) => {
                        // As if it had failed before starting: a clear message and exit 2.
                        eprintln!("error: {e:#}");
                        std::process::exit(2);
                    }
                }
            });
            (state, Some(ready))
        } else {
            let snapshot = Snapshot::load_with_index(layers(), args.index.as_deref())?;
            tracing::info!(documents = snapshot.library.len(), "knowledge loaded");
            (Arc::new(ArcSwap::from_pointee(snapshot)), None)
        };
        // Live reload: the watcher and the remote refresher rebuild and swap snapshots;
        // `peers` (every connected client) hears of each one.
        let peers = Peers::default();
        let reloader = (watch || remote.is_some()).then(|| {
            let reloader = Reloader::with_sources(layers, Arc::clone(&state));
            peers.clone().forward(reloader.subscribe());
            reloader
        });
        let _watch = match (&reloader, watch) {
            (Some(reloader), true) => Some(
                reloader
                    .watch(&dirs, DEFAULT_DEBOUNCE)
                    .context("watching the --knowledge directories")?,
            ),
            _ => None,
        };
        let _refresh = match (&reloader, remote) {
            (Some(reloader), Some(remote)) => {
                Some(remote.spawn_refresh(args.refresh, Arc::clone(reloader)))
            }
            _ => None,
        };
        match http {
            None => {
                let mut server = GuideServer::with_state(state).with_peers(peers);
                if let Some(ready) = ready {
                    server = server.with_ready(ready);
                }
                if let Some(tools) = &args.tools {
                    server = server.restrict_tools(tools).map_err(anyhow::Error::msg)?;
                }
                serve_stdio(server).await?;
            }
            Some(mut cfg) => {
                cfg.peers = Some(peers);
                run_http(state, cfg, CancellationToken::new())
                    .await
                    .with_context(|| format!("serving HTTP on {}", args.bind))?;
            }
        }
        anyhow::Ok(())
    })?;
    Ok(0)
}

/// `90`, `90s`, `10m`, `1h` (seconds when there is no unit).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30s, 10m or 1h"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("`{text}`: the unit must be s, m or h")),
    };
    if secs == 0 {
        return Err("the refresh interval must be above 0".into());
    }
    Ok(Duration::from_secs(secs))
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
        || args.header_timeout == 0
    {
        anyhow::bail!(
            "--max-body-bytes, --max-concurrency, --max-sessions, --request-timeout and --header-timeout must be above 0"
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
        header_timeout: Duration::from_secs(args.header_timeout),
        max_sessions: args.max_sessions,
        session_idle_timeout: Duration::from_secs(args.session_idle_timeout.max(1)),
        tools: args.tools.clone(),
        peers: None,
    })
}
