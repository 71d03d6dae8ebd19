//! MCP over stdio with strict framing: one JSON-RPC message per line. rmcp's
//! own stdio transport drops a line it cannot parse without a word; here a
//! malformed line gets a JSON-RPC parse error on stdout and the session goes on.
//! All stdout writes go through one writer task, so lines never interleave.

use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::mcp::GuideServer;

/// Longest line accepted on stdin; longer ones are answered with an error and skipped.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

fn error_line(id: &serde_json::Value, code: i32, message: &str) -> String {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
        .to_string()
}

/// Classifies one input line: a message for the server, or an error line to print.
pub fn parse_line(line: &str) -> Result<ClientJsonRpcMessage, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        error_line(
            &serde_json::Value::Null,
            -32700,
            &format!("Parse error: {e}"),
        )
    })?;
    if let Some(p) = super::jsonrpc::message_problem(&value) {
        return Err(error_line(&p.id, p.code, &p.message));
    }
    let id = value.get("id").cloned().unwrap_or(serde_json::Value::Null);
    serde_json::from_value::<ClientJsonRpcMessage>(value)
        .map_err(|e| error_line(&id, -32600, &format!("Invalid Request: {e}")))
}

/// Serves `server` on this process's stdin/stdout until stdin closes.
pub async fn serve_stdio(server: GuideServer) -> anyhow::Result<()> {
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel::<String>(256);
    let writer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(line) = out_rx.recv().await {
            if stdout.write_all(line.as_bytes()).await.is_err()
                || stdout.write_all(b"\n").await.is_err()
                || stdout.flush().await.is_err()
            {
                break;
            }
        }
    });

    let (to_server, from_client) = mpsc::channel::<ClientJsonRpcMessage>(64);
    let (to_client, mut from_server) = mpsc::channel::<ServerJsonRpcMessage>(64);
    let server_out = out_tx.clone();
    tokio::spawn(async move {
        while let Some(msg) = from_server.next().await {
            let line = serde_json::to_string(&msg).unwrap_or_else(|e| {
                error_line(
                    &serde_json::Value::Null,
                    -32603,
                    &format!("serialization failed: {e}"),
                )
            });
            if server_out.send(line).await.is_err() {
                break;
            }
        }
    });
    let reader_out = out_tx;
    tokio::spawn(async move {
        let mut to_server = to_server;
        let mut lines = BufReader::with_capacity(64 * 1024, tokio::io::stdin());
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match (&mut lines)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut buf)
                .await
            {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if buf.len() > MAX_LINE_BYTES && !buf.ends_with(b"\n") {
                // Skip the rest of the oversized line before answering.
                let mut rest = Vec::new();
                let _ = lines.read_until(b'\n', &mut rest).await;
                let msg = error_line(
                    &serde_json::Value::Null,
                    -32600,
                    &format!("Invalid Request: message longer than {MAX_LINE_BYTES} bytes"),
                );
                if reader_out.send(msg).await.is_err() {
                    break;
                }
                continue;
            }
            let text = String::from_utf8_lossy(&buf);
            let line = text.trim();
            if line.is_empty() {
                continue;
            }
            match parse_line(line) {
                Ok(msg) => {
                    if to_server.send(msg).await.is_err() {
                        break;
                    }
                }
                Err(error) => {
                    if reader_out.send(error).await.is_err() {
                        break;
                    }
                }
            }
        }
        to_server.close_channel();
    });

    let transport = (to_client.sink_map_err(std::io::Error::other), from_client);
    let running = server.serve(transport).await?;
    running.waiting().await?;
    writer.abort();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_lines() {
        let err = parse_line("{oops").unwrap_err();
        assert!(
            err.contains("-32700") && err.contains("\"id\":null"),
            "{err}"
        );
        let err = parse_line(r#"{"jsonrpc":"2.0","id":7,"method":42}"#).unwrap_err();
        assert!(err.contains("-32600") && err.contains("\"id\":7"), "{err}");
        assert!(parse_line(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).is_ok());
    }
}
