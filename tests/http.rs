//! The HTTP team server, in process on 127.0.0.1: rmcp's Streamable HTTP
//! client (sessions and 2026-07-28 discover), a legacy SSE round trip, every
//! security rule probed with raw requests, and 100 concurrent clients.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use futures::StreamExt;
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientLifecycleMode, ClientServiceExt, ServiceExt};
use serde_json::{Value, json};
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::serve::{HttpConfig, http_app, serve_on};
use serverless_guide::snapshot::Snapshot;
use tokio_util::sync::CancellationToken;

struct Server {
    addr: SocketAddr,
    stop: CancellationToken,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn snapshot() -> Arc<ArcSwap<Snapshot>> {
    static SNAP: std::sync::OnceLock<Arc<ArcSwap<Snapshot>>> = std::sync::OnceLock::new();
    Arc::clone(SNAP.get_or_init(|| {
        Arc::new(ArcSwap::from_pointee(
            Snapshot::load(KnowledgeSources::builtin()).unwrap(),
        ))
    }))
}

async fn start(cfg: HttpConfig) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = http_app(snapshot(), &cfg);
    let stop = CancellationToken::new();
    tokio::spawn(serve_on(listener, app, stop.clone()));
    Server { addr, stop }
}

fn url(s: &Server, path: &str) -> String {
    format!("http://{}{path}", s.addr)
}

async fn search_via(client: &rmcp::service::RunningService<rmcp::RoleClient, ()>) -> Value {
    let mut args = serde_json::Map::new();
    args.insert("query".into(), json!("sqs dead letter queue redrive"));
    let res = client
        .call_tool(CallToolRequestParams::new("search_guidance".to_string()).with_arguments(args))
        .await
        .expect("call");
    assert_ne!(res.is_error, Some(true), "{res:?}");
    res.structured_content.expect("structured")
}

#[tokio::test]
async fn streamable_http_with_sessions_and_with_discover() {
    for stateless in [false, true] {
        let s = start(HttpConfig {
            stateless,
            ..Default::default()
        })
        .await;
        // Session (initialize) mode.
        let client =
            ().serve(StreamableHttpClientTransport::from_uri(url(&s, "/mcp")))
                .await
                .expect("initialize");
        assert_eq!(
            client.peer_info().unwrap().protocol_version,
            ProtocolVersion::V_2025_11_25
        );
        let tools = client.list_all_tools().await.unwrap();
        assert!(tools.iter().any(|t| t.name == "search_guidance"));
        assert!(
            !search_via(&client).await["results"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        client.cancel().await.unwrap();
        // 2026-07-28: no initialize, server/discover, stateless.
        let client = ()
            .serve_with_lifecycle(
                StreamableHttpClientTransport::from_uri(url(&s, "/mcp")),
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![ProtocolVersion::V_2026_07_28],
                },
            )
            .await
            .expect("discover");
        assert_eq!(
            client.peer_info().unwrap().protocol_version,
            ProtocolVersion::V_2026_07_28
        );
        assert!(
            !search_via(&client).await["results"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn bearer_tokens_are_required_and_checked() {
    let s = start(HttpConfig {
        tokens: vec!["s3cret-token".into()],
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}});
    let post = |token: Option<&str>| {
        let mut r = http
            .post(url(&s, "/mcp"))
            .header("accept", "application/json, text/event-stream")
            .json(&init);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let none = post(None).await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(
        none.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let wrong = post(Some("s3cret-tokeN")).await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    assert_eq!(post(Some("s3cret-token")).await.unwrap().status(), 200);
    // Health needs no token; metrics do.
    assert_eq!(
        http.get(url(&s, "/healthz")).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        http.get(url(&s, "/metrics")).send().await.unwrap().status(),
        401
    );
    let metrics = http
        .get(url(&s, "/metrics"))
        .bearer_auth("s3cret-token")
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains("serverless_guide_requests_total{endpoint=\"/mcp\",method=\"initialize\""),
        "{text}"
    );
    // rmcp's client with the token works end to end.
    let cfg =
        StreamableHttpClientTransportConfig::with_uri(url(&s, "/mcp")).auth_header("s3cret-token");
    let client =
        ().serve(StreamableHttpClientTransport::from_config(cfg))
            .await
            .expect("authorized client");
    assert!(
        !search_via(&client).await["results"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn host_origin_body_json_and_session_probes() {
    let s = start(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}});
    let base = || {
        http.post(url(&s, "/mcp"))
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
    };

    let r = base()
        .header("host", "evil.example.com")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "foreign Host");
    let r = base()
        .header("origin", "http://evil.example.com")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "foreign Origin");
    let r = base()
        .header("origin", "http://localhost:5173")
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "loopback Origin");
    let r = base()
        .header("host", format!("localhost:{}", s.addr.port()))
        .json(&init)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "localhost Host");
    // Ending a session: 204, as clients expect (rmcp itself says 202); then the session is gone.
    let session = r
        .headers()
        .get("mcp-session-id")
        .expect("a session id")
        .to_str()
        .unwrap()
        .to_string();
    let r = http
        .delete(url(&s, "/mcp"))
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "session deleted");
    let r = base()
        .header("mcp-session-id", &session)
        .json(&json!({"jsonrpc":"2.0","id":3,"method":"tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "deleted session");
    let big = vec![b' '; 2 * 1024 * 1024];
    let r = base().body(big).send().await.unwrap();
    assert_eq!(r.status(), 413, "2 MiB body");
    let r = base().body("{not json").send().await.unwrap();
    assert_eq!(r.status(), 400, "malformed JSON");
    // Valid JSON that is not one JSON-RPC message: 400 and a JSON-RPC error saying why
    // (rmcp alone answers 415).
    let deep_params = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}1{}}}"#,
        r#"{"a":"#.repeat(10_000),
        "}".repeat(10_000)
    );
    for (body, says) in [
        (r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, "batches"),
        ("null", "JSON-RPC 2.0 object"),
        (r#"{"id":1,"method":"ping"}"#, "jsonrpc"),
        (r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#, "`id`"),
        (r#"{"jsonrpc":"2.0","id":1,"method":5}"#, "`method`"),
        (r#"{"jsonrpc":"2.0","id":1}"#, "`method`"),
        (deep_params.as_str(), "deeper than 128 levels"),
    ] {
        let r = base().body(body.to_string()).send().await.unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], -32600, "{body}: {v}");
        let msg = v["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(says), "{body}: {msg}");
    }
    // Params that do not fit the method: the request's own id, so the client's
    // pending call gets the answer (rmcp alone says "method not found").
    let r = base()
        .json(&json!({"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"name":"search_guidance","arguments":"sqs"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (v["id"].clone(), v["error"]["code"].clone()),
        (json!(41), json!(-32602)),
        "{v}"
    );
    let list = json!({"jsonrpc":"2.0","id":2,"method":"tools/list"});
    let r = base()
        .header("mcp-session-id", "no-such-session")
        .json(&list)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "unknown session");
    let r = http
        .post(url(&s, "/messages?sessionId=nope"))
        .json(&list)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "unknown legacy SSE session");
    let r = http
        .get(url(&s, "/sse"))
        .header("host", "evil.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "foreign Host on /sse");
}

#[tokio::test]
async fn rate_and_session_limits() {
    let s = start(HttpConfig {
        rate_limit: 5,
        max_sessions: 1,
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            http.get(url(&s, "/metrics"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let first = http.get(url(&s, "/sse")).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let second = http.get(url(&s, "/sse")).send().await.unwrap();
    assert_eq!(second.status(), 503, "session cap");
    drop(first);
}

/// Reads SSE events (event, data) from a streaming response.
struct SseReader {
    stream: futures::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    buf: String,
}

impl SseReader {
    async fn next_event(&mut self) -> (String, String) {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // keep-alive comment
                }
                return (event, data);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.stream.next())
                .await
                .expect("SSE event in time")
                .expect("stream open")
                .unwrap();
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn legacy_sse_round_trip() {
    let s = start(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    let resp = http
        .get(url(&s, "/sse"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut sse = SseReader {
        stream: resp.bytes_stream().boxed(),
        buf: String::new(),
    };
    let (event, endpoint) = sse.next_event().await;
    assert_eq!(event, "endpoint");
    assert!(endpoint.starts_with("/messages?sessionId="), "{endpoint}");
    let post = |body: Value| http.post(url(&s, &endpoint)).json(&body).send();
    let r = post(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"0"}}})).await.unwrap();
    assert_eq!(r.status(), 202);
    let (_, init) = sse.next_event().await;
    let init: Value = serde_json::from_str(&init).unwrap();
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05");
    post(json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
        .await
        .unwrap();
    post(json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_guidance","arguments":{"query":"idempotency keys"}}})).await.unwrap();
    let (_, call) = sse.next_event().await;
    let call: Value = serde_json::from_str(&call).unwrap();
    assert_eq!(call["id"], 2);
    assert!(
        !call["result"]["structuredContent"]["results"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{call}"
    );
    let r = http
        .post(url(&s, &endpoint))
        .body("{broken")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Disconnect: the session is removed.
    drop(sse);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = post(json!({"jsonrpc":"2.0","id":3,"method":"tools/list"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "session removed after disconnect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_clients() {
    let s = start(HttpConfig {
        stateless: true,
        ..Default::default()
    })
    .await;
    let addr = url(&s, "/mcp");
    let mut tasks = Vec::new();
    for i in 0..100 {
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            let client =
                ().serve(StreamableHttpClientTransport::from_uri(addr))
                    .await
                    .map_err(|e| format!("client {i}: {e}"))?;
            let v = search_via(&client).await;
            let _ = client.cancel().await;
            if v["results"].as_array().is_some_and(|r| !r.is_empty()) {
                Ok(())
            } else {
                Err(format!("client {i}: no results"))
            }
        }));
    }
    let mut errors = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            errors.push(e);
        }
    }
    assert!(errors.is_empty(), "{errors:?}");
}

#[tokio::test]
async fn graceful_shutdown_stops_the_listener() {
    let s = start(HttpConfig::default()).await;
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(url(&s, "/healthz")).send().await.unwrap().status(),
        200
    );
    s.stop.cancel();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        http.get(url(&s, "/healthz")).send().await.is_err(),
        "listener closed"
    );
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = start(HttpConfig {
        header_timeout: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    // Half a request, then silence: the server must close the connection.
    let mut slow = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    slow.write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(
        matches!(closed, Ok(Ok(_)) | Ok(Err(_))),
        "the connection was still open 10 s after a 1 s header timeout"
    );
    // Others are served throughout.
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(url(&s, "/healthz")).send().await.unwrap().status(),
        200
    );
}
