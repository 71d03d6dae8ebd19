//! Speaks raw JSON-RPC lines to `serve` over stdio, as a hand-written client
//! would: protocol versions, server/discover, a malformed line, stdout purity.

mod common;

use common::StdioServer as Server;
use serde_json::json;

#[test]
fn negotiates_every_handshake_version() {
    for v in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
        let mut s = Server::start();
        let r = s.initialize(v);
        assert_eq!(r["result"]["protocolVersion"], v, "{r}");
        assert_eq!(r["result"]["serverInfo"]["name"], "serverless-guide");
    }
}

#[test]
fn malformed_line_gets_a_parse_error_and_the_next_request_is_answered() {
    let mut s = Server::initialized();
    s.send_line("{this is not json");
    let err = s.recv("a malformed line");
    assert_eq!(err["error"]["code"], -32700, "{err}");
    s.send(json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}));
    let r = s.recv("the request");
    assert_eq!(r["id"], 2);
    let names: Vec<&str> = r["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"search_guidance"), "{names:?}");
}

#[test]
fn search_over_raw_json_rpc_returns_structured_results() {
    let mut s = Server::initialized();
    s.send(json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_guidance","arguments":{"query":"dead letter queue"}}}));
    let r = s.recv("the request");
    let results = r["result"]["structuredContent"]["results"]
        .as_array()
        .expect("results");
    assert!(!results.is_empty());
    assert!(results[0]["uri"].as_str().unwrap().starts_with("guide://"));
}

#[test]
fn server_discover_for_2026_clients() {
    let mut s = Server::start();
    s.send(
        json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{
        "io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{},
        "io.modelcontextprotocol/clientInfo":{"name":"raw","version":"0"}}}}),
    );
    let r = s.recv("the request");
    let versions = r["result"]["supportedVersions"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"));
    assert!(versions.iter().any(|v| v == "2026-07-28"), "{r}");
    assert!(versions.iter().any(|v| v == "2024-11-05"), "{r}");
    // A 2026-07-28 request carries its version and capabilities in _meta, with no initialize.
    s.send(
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"_meta":{
        "io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{},
        "io.modelcontextprotocol/clientInfo":{"name":"raw","version":"0"}}}}),
    );
    let r = s.recv("the request");
    assert_eq!(r["id"], 2, "{r}");
    assert_eq!(r["result"]["resultType"], "complete", "{r}");
    assert!(
        r["result"]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "{r}"
    );
}
