//! Drives the built binary over stdio with rmcp's own client: the way every
//! MCP client talks to `serverless-guide serve`.

use rmcp::RoleClient;
use rmcp::model::{CallToolRequestParams, CallToolResult, ReadResourceRequestParams};
use rmcp::service::{RunningService, ServiceExt};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Value, json};

async fn client() -> RunningService<RoleClient, ()> {
    let transport = TokioChildProcess::new(
        tokio::process::Command::new(env!("CARGO_BIN_EXE_serverless-guide")).configure(|cmd| {
            cmd.arg("serve");
        }),
    )
    .expect("spawn server");
    ().serve(transport).await.expect("initialize")
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str, a: Value) -> CallToolResult {
    let args = a.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

fn structured(res: &CallToolResult) -> &Value {
    assert_ne!(res.is_error, Some(true), "{res:?}");
    res.structured_content.as_ref().expect("structuredContent")
}

#[tokio::test]
async fn initialize_lists_tools_with_output_schemas_and_annotations() {
    let client = client().await;
    let info = client.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("serverless-guide")
    );
    assert!(
        info.instructions
            .as_deref()
            .unwrap_or_default()
            .contains("search_guidance")
    );
    let tools = client.list_all_tools().await.unwrap();
    for name in ["search_guidance", "read_guidance", "list_guidance"] {
        let tool = tools
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(tool.output_schema.is_some(), "{name} has no outputSchema");
        let ann = tool.annotations.as_ref().expect("annotations");
        assert_eq!(ann.read_only_hint, Some(true), "{name}");
        assert_eq!(ann.idempotent_hint, Some(true), "{name}");
        assert_eq!(ann.open_world_hint, Some(false), "{name}");
        assert!(
            tool.description.as_deref().unwrap_or_default().len() > 40,
            "{name} description"
        );
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn search_then_read_the_top_hit() {
    let client = client().await;
    let res = call(
        &client,
        "search_guidance",
        json!({"query": "orchestrate with state machines instead of chaining functions", "limit": 5}),
    )
    .await;
    let results = structured(&res)["results"].as_array().unwrap().clone();
    assert!(!results.is_empty());
    let top = &results[0];
    for key in [
        "uri", "title", "section", "category", "services", "score", "snippet",
    ] {
        assert!(top.get(key).is_some(), "missing {key} in {top}");
    }
    let uri = top["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("guide://orchestrate-with-state-machines"),
        "{uri}"
    );
    let read = call(&client, "read_guidance", json!({"uri": uri})).await;
    let body = structured(&read);
    assert!(!body["markdown"].as_str().unwrap().is_empty());
    assert!(body["related"].is_array());
    assert!(body.get("next_offset").is_some());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_pages_and_list_filters() {
    let client = client().await;
    let list = call(&client, "list_guidance", json!({})).await;
    let docs = structured(&list)["documents"].as_array().unwrap().clone();
    assert!(!docs.is_empty());
    let uri = docs[0]["uri"].as_str().unwrap().to_string();
    let page = call(
        &client,
        "read_guidance",
        json!({"uri": uri, "max_chars": 200}),
    )
    .await;
    let page = structured(&page).clone();
    assert_eq!(page["markdown"].as_str().unwrap().chars().count(), 200);
    let next = page["next_offset"]
        .as_u64()
        .expect("a long document has a next page");
    assert_eq!(next, 200);
    let page2 = call(
        &client,
        "read_guidance",
        json!({"uri": uri, "offset": next, "max_chars": 200}),
    )
    .await;
    assert!(!structured(&page2)["markdown"].as_str().unwrap().is_empty());

    let filtered = call(&client, "list_guidance", json!({"category": "principles"})).await;
    let filtered = structured(&filtered)["documents"]
        .as_array()
        .unwrap()
        .clone();
    assert!(filtered.len() >= 7);
    assert!(filtered.iter().all(|d| d["category"] == "principles"));
    let bad = call(&client, "list_guidance", json!({"category": "astrology"})).await;
    assert_eq!(bad.is_error, Some(true));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn bad_input_is_a_readable_tool_error_and_the_server_keeps_answering() {
    let client = client().await;
    let unknown = call(
        &client,
        "read_guidance",
        json!({"uri": "guide://idempotence"}),
    )
    .await;
    assert_eq!(unknown.is_error, Some(true));
    let text = serde_json::to_string(&unknown.content).unwrap();
    assert!(text.contains("no document `idempotence`"), "{text}");
    assert!(
        text.contains("guide://idempotency"),
        "suggests the close id: {text}"
    );

    for bad in [
        json!({"query": "  "}),
        json!({"query": 42}),
        json!({"query": "sqs", "limit": 99}),
        json!({}),
    ] {
        let res = call(&client, "search_guidance", bad.clone()).await;
        assert_eq!(res.is_error, Some(true), "{bad} should be a tool error");
    }
    let no_tool = client
        .call_tool(CallToolRequestParams::new("no_such_tool".to_string()))
        .await;
    assert!(no_tool.is_err(), "unknown tool must be a protocol error");

    let ok = call(
        &client,
        "search_guidance",
        json!({"query": "(unbalanced AND \"quote ~ title:"}),
    )
    .await;
    structured(&ok);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn documents_are_resources() {
    let client = client().await;
    let resources = client.list_all_resources().await.unwrap();
    let guide = resources
        .iter()
        .find(|r| r.uri.starts_with("guide://"))
        .expect("guide resources");
    assert_eq!(guide.mime_type.as_deref(), Some("text/markdown"));
    let read = client
        .read_resource(ReadResourceRequestParams::new(guide.uri.clone()))
        .await
        .unwrap();
    assert!(!read.contents.is_empty());
    let templates = client.list_all_resource_templates().await.unwrap();
    assert!(templates.iter().any(|t| t.uri_template == "guide://{id}"));
    let missing = client
        .read_resource(ReadResourceRequestParams::new("guide://nope-nope"))
        .await;
    assert!(missing.is_err());
    client.cancel().await.unwrap();
}
