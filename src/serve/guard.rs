//! The checks every HTTP request passes before it reaches MCP: Host and Origin
//! allowlists (DNS rebinding), bearer tokens, body size, per-client rate,
//! concurrency and the sessions cap; plus request ids, logs and metrics.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use tokio::sync::Semaphore;

use super::metrics::Metrics;
use super::{HttpConfig, jsonrpc};

const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Reads bearer tokens, one per line (blank lines and `#` comments skipped).
pub fn load_tokens(path: Option<&Path>, env: Option<&str>) -> std::io::Result<Vec<String>> {
    let mut tokens = Vec::new();
    let mut add = |text: &str| {
        for line in text.lines().flat_map(|l| l.split(',')) {
            let t = line.trim();
            if !t.is_empty() && !t.starts_with('#') {
                tokens.push(t.to_string());
            }
        }
    };
    if let Some(path) = path {
        add(&std::fs::read_to_string(path)?);
    }
    if let Some(env) = env {
        add(env);
    }
    Ok(tokens)
}

/// True when the address only accepts connections from this machine.
pub fn is_loopback_bind(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Open sessions across both HTTP transports.
#[derive(Default)]
pub struct SessionCount {
    streamable: OnceLock<Arc<LocalSessionManager>>,
    pub(crate) sse: AtomicUsize,
}

impl SessionCount {
    pub fn set_streamable(&self, manager: Arc<LocalSessionManager>) {
        let _ = self.streamable.set(manager);
    }
    /// (streamable HTTP, legacy SSE)
    pub async fn counts(&self) -> (usize, usize) {
        let streamable = match self.streamable.get() {
            Some(m) => m.sessions.read().await.len(),
            None => 0,
        };
        (streamable, self.sse.load(Ordering::Relaxed))
    }
    pub async fn total(&self) -> usize {
        let (a, b) = self.counts().await;
        a + b
    }
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// State shared by the guard middleware.
#[derive(Clone)]
pub struct Guard {
    hosts: Arc<Vec<String>>,
    origins: Arc<Vec<String>>,
    tokens: Arc<Vec<String>>,
    max_body: usize,
    rate: u32,
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
    permits: Arc<Semaphore>,
    timeout: Duration,
    max_sessions: usize,
    sessions: Arc<SessionCount>,
    metrics: Arc<Metrics>,
}

impl Guard {
    pub fn new(cfg: &HttpConfig, metrics: Arc<Metrics>, sessions: Arc<SessionCount>) -> Self {
        let mut hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| h.to_string()).collect();
        hosts.extend(cfg.allowed_hosts.iter().map(|h| h.to_ascii_lowercase()));
        let mut origins: Vec<String> = ["http", "https"]
            .iter()
            .flat_map(|s| ["localhost", "127.0.0.1", "[::1]"].map(|h| format!("{s}://{h}:*")))
            .collect();
        origins.extend(
            cfg.allowed_origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase()),
        );
        Self {
            hosts: Arc::new(hosts),
            origins: Arc::new(origins),
            tokens: Arc::new(cfg.tokens.clone()),
            max_body: cfg.max_body_bytes,
            rate: cfg.rate_limit,
            buckets: Arc::new(Mutex::new(HashMap::new())),
            permits: Arc::new(Semaphore::new(cfg.max_concurrency.max(1))),
            timeout: cfg.request_timeout,
            max_sessions: cfg.max_sessions,
            sessions,
            metrics,
        }
    }

    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            // HTTP/1.1 requires Host; a request without one cannot be checked.
            return false;
        };
        let host = host.to_ascii_lowercase();
        let name = strip_port(&host);
        // An entry with a port must match exactly; one without matches any port.
        self.hosts.iter().any(|h| {
            if strip_port(h) == h.as_str() {
                h == name
            } else {
                *h == host
            }
        })
    }

    fn origin_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return true; // Non-browser clients send none; DNS rebinding needs a browser.
        };
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        self.origins
            .iter()
            .any(|allowed| origin_matches(allowed, &origin))
    }

    /// Constant-time in the token's content: every configured token is compared in full.
    fn authorized(&self, headers: &HeaderMap) -> Option<bool> {
        if self.tokens.is_empty() {
            return Some(true);
        }
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })?;
        let mut ok = false;
        for t in self.tokens.iter() {
            ok |= constant_time_eq(t.as_bytes(), given.trim().as_bytes());
        }
        Some(ok)
    }

    fn rate_ok(&self, key: &str) -> bool {
        if self.rate == 0 {
            return true;
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        let now = Instant::now();
        let rate = f64::from(self.rate);
        let b = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: rate,
            last: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(rate);
        b.last = now;
        if buckets.len() > 10_000 {
            // Forget idle clients so the map stays bounded.
            buckets.retain(|_, b| now.duration_since(b.last) < Duration::from_secs(60));
        }
        let Some(b) = buckets.get_mut(key) else {
            return true;
        };
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// `allowed` is `scheme://host`, `scheme://host:port` or `scheme://host:*`.
fn origin_matches(allowed: &str, origin: &str) -> bool {
    if let Some(prefix) = allowed.strip_suffix(":*") {
        return origin == prefix
            || origin
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|port| !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()));
    }
    allowed == origin
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Lengths are compared without early exit on content; a length mismatch still
    // walks the longer input so timing does not reveal a matching prefix.
    let n = a.len().max(b.len());
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..n {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

/// A JSON-RPC error body with no id, as the MCP spec allows on HTTP errors.
pub(crate) fn rpc_error(status: StatusCode, code: i32, message: &str) -> Response {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// What the request asked MCP to do, for logs and metrics (never the arguments).
#[derive(Default, Clone)]
struct Call {
    method: String,
    tool: String,
}

/// Deepest JSON nesting in a request: serde_json's own recursion limit, which
/// rmcp meets when it decodes the body.
const MAX_JSON_DEPTH: usize = 128;

/// Why a body is not one JSON-RPC 2.0 message rmcp can serve: 400 for a body that
/// is not a message, 200 with the request's id for params that do not fit (so a
/// client's pending request gets the answer).
fn rpc_body_problem(body: &[u8]) -> Option<Response> {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) if e.to_string().contains("recursion limit") => {
            return Some(rpc_error(
                StatusCode::BAD_REQUEST,
                jsonrpc::INVALID_REQUEST,
                &format!(
                    "Invalid Request: the JSON nests deeper than {MAX_JSON_DEPTH} levels, the limit for a request"
                ),
            ));
        }
        Err(_) => {
            return Some(rpc_error(
                StatusCode::BAD_REQUEST,
                -32700,
                "Parse error: the request body is not valid JSON",
            ));
        }
    };
    let p = jsonrpc::message_problem(&value)?;
    let status = if p.code == jsonrpc::INVALID_PARAMS {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = serde_json::json!({"jsonrpc": "2.0", "id": p.id, "error": {"code": p.code, "message": p.message}});
    Some(
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
    )
}

fn peek_call(body: &[u8]) -> Call {
    #[derive(serde::Deserialize)]
    struct Msg {
        #[serde(default)]
        method: String,
        #[serde(default)]
        params: Option<Params>,
    }
    #[derive(serde::Deserialize)]
    struct Params {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        uri: Option<String>,
    }
    match serde_json::from_slice::<Msg>(body) {
        Ok(m) => {
            let target = m.params.and_then(|p| {
                p.name.or(p
                    .uri
                    .map(|u| u.split("://").next().unwrap_or("").to_string()))
            });
            Call {
                method: m.method.chars().take(64).collect(),
                tool: target.unwrap_or_default().chars().take(64).collect(),
            }
        }
        Err(_) => Call::default(),
    }
}

fn endpoint(path: &str) -> &'static str {
    match path {
        "/mcp" => "/mcp",
        "/sse" => "/sse",
        "/messages" | "/message" => "/messages",
        "/metrics" => "/metrics",
        "/healthz" => "/healthz",
        _ => "other",
    }
}

/// Logs and measures every request, and runs the checks on all but `/healthz`.
pub async fn check(State(guard): State<Guard>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let path = req.uri().path().to_string();
    let http_method = req.method().clone();
    let ep = endpoint(&path);
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into());
    let span = tracing::info_span!("request", request_id = %request_id, method = %http_method, path = %path);
    let _enter = span.enter();

    let (response, call) = guarded(&guard, req, next, &client).await;
    let status = response.status();
    tracing::info!(status = status.as_u16(), mcp_method = %call.method, tool = %call.tool, elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    if let Ok((a, b)) =
        tokio::time::timeout(Duration::from_millis(50), guard.sessions.counts()).await
    {
        guard.metrics.set_sessions(a, b);
    }
    let mut response = response;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    // Latency is recorded when the body is done (SSE responses stream the result).
    if http_method == axum::http::Method::POST {
        let metrics = Arc::clone(&guard.metrics);
        let done = RecordOnDrop {
            metrics,
            endpoint: ep,
            call,
            status: status.as_u16(),
            started,
        };
        let (parts, body) = response.into_parts();
        let stream = body.into_data_stream().map(move |chunk| {
            let _keep = &done;
            chunk
        });
        return Response::from_parts(parts, Body::from_stream(stream));
    }
    guard
        .metrics
        .record(ep, &call.method, &call.tool, status.as_u16(), None);
    response
}

struct RecordOnDrop {
    metrics: Arc<Metrics>,
    endpoint: &'static str,
    call: Call,
    status: u16,
    started: Instant,
}

impl Drop for RecordOnDrop {
    fn drop(&mut self) {
        self.metrics.record(
            self.endpoint,
            &self.call.method,
            &self.call.tool,
            self.status,
            Some(self.started.elapsed()),
        );
    }
}

async fn guarded(guard: &Guard, req: Request, next: Next, client: &str) -> (Response, Call) {
    let path = req.uri().path();
    if path == "/healthz" {
        return (next.run(req).await, Call::default());
    }
    let headers = req.headers();
    if !guard.host_allowed(headers) {
        return (
            rpc_error(
                StatusCode::FORBIDDEN,
                -32600,
                "Forbidden: Host header is not allowed (add it with --allowed-host)",
            ),
            Call::default(),
        );
    }
    if !guard.origin_allowed(headers) {
        return (
            rpc_error(
                StatusCode::FORBIDDEN,
                -32600,
                "Forbidden: Origin is not allowed (add it with --allowed-origin)",
            ),
            Call::default(),
        );
    }
    match guard.authorized(headers) {
        Some(true) => {}
        auth => {
            let challenge = if auth.is_none() {
                "Bearer realm=\"serverless-guide\""
            } else {
                "Bearer realm=\"serverless-guide\", error=\"invalid_token\""
            };
            let mut r = rpc_error(
                StatusCode::UNAUTHORIZED,
                -32600,
                "Unauthorized: send Authorization: Bearer <token>",
            );
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
            return (r, Call::default());
        }
    }
    let rate_key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|t| format!("t:{:x}", fxhash(t)))
        .unwrap_or_else(|| format!("ip:{client}"));
    if !guard.rate_ok(&rate_key) {
        let mut r = rpc_error(
            StatusCode::TOO_MANY_REQUESTS,
            -32600,
            "Too many requests: slow down (see --rate-limit)",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return (r, Call::default());
    }
    let too_big = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > guard.max_body);
    if too_big {
        return (payload_too_large(guard.max_body), Call::default());
    }

    // Buffer POST bodies (bounded) to learn the MCP method for logs, metrics and the sessions cap.
    let (parts, body) = req.into_parts();
    let (req, call) = if parts.method == axum::http::Method::POST {
        let bytes: Bytes = match axum::body::to_bytes(body, guard.max_body).await {
            Ok(b) => b,
            Err(_) => return (payload_too_large(guard.max_body), Call::default()),
        };
        // Malformed JSON, or JSON that is not one JSON-RPC message: 400 with a
        // JSON-RPC error, on every endpoint alike.
        if let Some(answer) = rpc_body_problem(&bytes) {
            return (answer, Call::default());
        }
        let call = peek_call(&bytes);
        (Request::from_parts(parts, Body::from(bytes)), call)
    } else {
        (Request::from_parts(parts, body), Call::default())
    };

    let is_new_session = call.method == "initialize"
        && req.uri().path() == "/mcp"
        && !req.headers().contains_key("mcp-session-id");
    if is_new_session && guard.sessions.total().await >= guard.max_sessions {
        return (
            rpc_error(
                StatusCode::SERVICE_UNAVAILABLE,
                -32000,
                "Too many sessions: the server's session limit is reached; retry later",
            ),
            call,
        );
    }

    let permit =
        match tokio::time::timeout(guard.timeout, Arc::clone(&guard.permits).acquire_owned()).await
        {
            Ok(Ok(p)) => p,
            _ => {
                return (
                    rpc_error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        -32000,
                        "Server busy: too many requests in flight; retry later",
                    ),
                    call,
                );
            }
        };
    let response = match tokio::time::timeout(guard.timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => rpc_error(
            StatusCode::GATEWAY_TIMEOUT,
            -32000,
            "Request timed out (see --request-timeout)",
        ),
    };
    drop(permit);
    (response, call)
}

fn payload_too_large(max: usize) -> Response {
    rpc_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        -32600,
        &format!(
            "Payload too large: request bodies are limited to {max} bytes (see --max-body-bytes)"
        ),
    )
}

/// A cheap non-cryptographic hash so rate-limit keys never hold the token itself.
fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_stripped_from_hosts() {
        assert_eq!(strip_port("localhost:8787"), "localhost");
        assert_eq!(strip_port("[::1]:8787"), "::1");
        assert_eq!(strip_port("::1"), "::1");
        assert_eq!(strip_port("example.com"), "example.com");
    }

    #[test]
    fn origins_match_with_port_wildcards() {
        assert!(origin_matches(
            "http://localhost:*",
            "http://localhost:3000"
        ));
        assert!(origin_matches("http://localhost:*", "http://localhost"));
        assert!(!origin_matches(
            "http://localhost:*",
            "http://localhost.evil.com"
        ));
        assert!(!origin_matches(
            "http://localhost:*",
            "http://localhost:3000x"
        ));
        assert!(origin_matches(
            "https://app.example.com",
            "https://app.example.com"
        ));
        assert!(!origin_matches(
            "https://app.example.com",
            "http://app.example.com"
        ));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret1"));
        assert!(!constant_time_eq(b"", b"x"));
    }

    #[test]
    fn tokens_load_from_file_and_env() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("tokens");
        std::fs::write(&f, "# team tokens\nalpha\n\n beta \n").unwrap();
        assert_eq!(
            load_tokens(Some(&f), Some("gamma,delta")).unwrap(),
            ["alpha", "beta", "gamma", "delta"]
        );
    }
}
