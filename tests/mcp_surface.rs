//! The MCP surface beyond the guidance tools, driven over stdio with rmcp's
//! client: prompts, completions, resource templates, logging, the size of
//! tools/list, and review_code / scaffold_pattern end to end.

use rmcp::RoleClient;
use rmcp::model::{
    CallToolRequestParams, CompletionContext, ContentBlock, GetPromptRequestParams,
    ResourceContents,
};
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

fn args(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[tokio::test]
async fn prompts_are_listed_with_typed_arguments() {
    let client = client().await;
    let caps = &client.peer_info().unwrap().capabilities;
    assert!(caps.prompts.is_some() && caps.completions.is_some());
    let prompts = client.list_all_prompts().await.unwrap();
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    for want in [
        "design-event-driven-workflow",
        "review-serverless-code",
        "harden-stack",
        "migrate-chaining-to-step-functions",
        "choose-messaging-service",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    for p in &prompts {
        assert!(p.description.as_deref().unwrap_or_default().len() > 30);
        assert!(p.title.is_some(), "{} has no title", p.name);
        let a = p.arguments.as_ref().expect("arguments");
        assert!(a.iter().any(|a| a.required == Some(true)) || p.name == "explore-guidance");
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_prompt_directs_the_assistant_and_embeds_guidance() {
    let client = client().await;
    let res = client
        .get_prompt(
            GetPromptRequestParams::new("choose-messaging-service").with_arguments(args(json!({
                "requirements": "orders from 3 producers, strict ordering per customer, replay last week's events"
            }))),
        )
        .await
        .unwrap();
    let first = match &res.messages[0].content {
        ContentBlock::Text(t) => t.text.clone(),
        other => panic!("first message is not text: {other:?}"),
    };
    assert!(first.contains("strict ordering per customer"), "{first}");
    assert!(
        first.contains("search_guidance") && first.contains("guide://choosing-messaging-service")
    );
    let embedded: Vec<(String, String)> = res.messages[1..]
        .iter()
        .filter_map(|m| match &m.content {
            ContentBlock::Resource(r) => match &r.resource {
                ResourceContents::TextResourceContents { uri, text, .. } => {
                    Some((uri.clone(), text.clone()))
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert!(!embedded.is_empty() && embedded.len() <= 3, "{embedded:?}");
    assert!(
        embedded
            .iter()
            .all(|(uri, text)| uri.starts_with("guide://") && text.starts_with('#')),
        "{embedded:?}"
    );
    assert!(
        embedded
            .iter()
            .any(|(uri, _)| uri.starts_with("guide://choosing-messaging-service")),
        "the anchored document is embedded first: {embedded:?}"
    );

    // A missing required argument, an unknown argument and an unknown prompt are errors that say what to do.
    let err = client
        .get_prompt(GetPromptRequestParams::new("harden-stack"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs the argument `template`"), "{err}");
    let err = client
        .get_prompt(
            GetPromptRequestParams::new("harden-stack")
                .with_arguments(args(json!({"template": "x", "colour": "red"}))),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no argument `colour`"), "{err}");
    let err = client
        .get_prompt(GetPromptRequestParams::new("no-such-prompt"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("available prompts"), "{err}");
    // The server still answers.
    assert!(!client.list_all_prompts().await.unwrap().is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn every_prompt_renders_with_its_required_arguments() {
    let client = client().await;
    for p in client.list_all_prompts().await.unwrap() {
        let mut a = serde_json::Map::new();
        for arg in p.arguments.unwrap_or_default() {
            if arg.required == Some(true) {
                let v = if arg.name == "pattern" {
                    "sqs-lambda-worker"
                } else {
                    "an order service: lambda writes to dynamodb then calls another lambda"
                };
                a.insert(arg.name.clone(), json!(v));
            }
        }
        let res = client
            .get_prompt(GetPromptRequestParams::new(p.name.clone()).with_arguments(a))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(!res.messages.is_empty(), "{}", p.name);
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn completions_for_prompt_arguments_and_resource_templates() {
    let client = client().await;
    let langs = client
        .complete_prompt_simple("review-serverless-code", "language", "py")
        .await
        .unwrap();
    assert_eq!(langs, vec!["python"]);
    let scaffolds = client
        .complete_prompt_simple("scaffold-pattern", "pattern", "sqs")
        .await
        .unwrap();
    assert_eq!(
        scaffolds.first().map(String::as_str),
        Some("sqs-lambda-worker")
    );
    let categories = client
        .complete_prompt_simple("explore-guidance", "category", "")
        .await
        .unwrap();
    assert_eq!(categories.len(), 8, "{categories:?}");
    let services = client
        .complete_prompt_simple("explore-guidance", "service", "event")
        .await
        .unwrap();
    assert!(
        services.contains(&"eventbridge".to_string()),
        "{services:?}"
    );
    let ids = client
        .complete_resource_simple("guide://{id}", "id", "idem")
        .await
        .unwrap();
    assert_eq!(ids.first().map(String::as_str), Some("idempotency"));
    let rules = client
        .complete_resource_simple("rule://{id}", "id", "sqs")
        .await
        .unwrap();
    assert!(
        !rules.is_empty() && rules.iter().all(|r| r.contains("sqs")),
        "{rules:?}"
    );
    let ctx = CompletionContext::with_arguments(
        [("id".to_string(), "idempotency".to_string())]
            .into_iter()
            .collect(),
    );
    let sections = client
        .complete_resource_argument("guide://{id}#{section}", "section", "", Some(ctx))
        .await
        .unwrap();
    assert!(!sections.values.is_empty(), "{sections:?}");
    // Free-text arguments have no candidates.
    let none = client
        .complete_prompt_simple("harden-stack", "template", "a")
        .await
        .unwrap();
    assert!(none.is_empty());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn templates_logging_and_the_size_of_tools_list() {
    let client = client().await;
    let templates = client.list_all_resource_templates().await.unwrap();
    let uris: Vec<&str> = templates.iter().map(|t| t.uri_template.as_str()).collect();
    for want in [
        "guide://{id}",
        "guide://{id}#{section}",
        "scaffold://{id}",
        "rule://{id}",
    ] {
        assert!(uris.contains(&want), "{want} missing from {uris:?}");
    }
    #[allow(deprecated)]
    client
        .set_level(rmcp::model::SetLevelRequestParams::new(
            rmcp::model::LoggingLevel::Warning,
        ))
        .await
        .expect("logging/setLevel is accepted");

    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 7, "all seven tools");
    for t in &tools {
        assert!(t.output_schema.is_some(), "{} has no outputSchema", t.name);
        assert!(t.title.is_some(), "{} has no title", t.name);
        let ann = t.annotations.as_ref().expect("annotations");
        assert_eq!(ann.read_only_hint, Some(true), "{}", t.name);
    }
    let size = serde_json::to_vec(&json!({ "tools": tools }))
        .unwrap()
        .len();
    assert!(
        size <= 12 * 1024,
        "tools/list is {size} bytes; keep it at most 12 KB so it does not crowd the context"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn review_code_finds_a_handler_problem_and_explains_it() {
    let client = client().await;
    let code = "import boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n    return s3.list_buckets()\n";
    let res = client
        .call_tool(
            CallToolRequestParams::new("review_code")
                .with_arguments(args(json!({"code": code, "filename": "app.py"}))),
        )
        .await
        .unwrap();
    assert_ne!(res.is_error, Some(true), "{res:?}");
    let sc = res.structured_content.expect("structuredContent");
    assert_eq!(sc["language"], "python");
    let findings = sc["findings"].as_array().unwrap();
    let f = findings
        .iter()
        .find(|f| f["line"] == 4)
        .unwrap_or_else(|| panic!("no finding on the client created in the handler: {sc}"));
    let rule_id = f["rule_id"].as_str().unwrap().to_string();
    assert!(f["guidance_uri"].as_str().unwrap().starts_with("guide://"));
    let res = client
        .call_tool(
            CallToolRequestParams::new("explain_rule")
                .with_arguments(args(json!({"rule_id": rule_id}))),
        )
        .await
        .unwrap();
    assert_ne!(res.is_error, Some(true), "{res:?}");
    let res = client
        .call_tool(
            CallToolRequestParams::new("explain_rule")
                .with_arguments(args(json!({"rule_id": "no-such-rule"}))),
        )
        .await
        .unwrap();
    assert_eq!(res.is_error, Some(true));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_knowledge_is_served_as_a_skill() {
    let client = client().await;
    assert!(client.peer_info().unwrap().capabilities.supports_skills());
    let skills = client.list_all_skills().await.unwrap();
    assert_eq!(skills.len(), 1);
    let skill = &skills[0];
    assert_eq!(skill.name(), "aws-serverless-eda");
    assert_eq!(skill.uri, "skill://aws-serverless-eda/SKILL.md");
    skill.validate().expect("manifest follows SEP-2640");
    let rmcp::model::SkillResources::Files(files) = &skill.resources else {
        panic!("expected a file manifest");
    };
    assert!(files.len() >= 60, "{} files", files.len());
    let got = client
        .get_skill(rmcp::model::GetSkillRequestParams::new(skill.uri.clone()))
        .await
        .unwrap();
    assert_eq!(&got.skill, skill);
    // Every byte served matches the digest and size in the manifest.
    for file in files.iter().filter(|f| {
        f.uri.ends_with("SKILL.md") || f.uri.ends_with("INDEX.md") || f.uri.contains("idempotency")
    }) {
        let res = client
            .read_resource(rmcp::model::ReadResourceRequestParams::new(
                file.uri.clone(),
            ))
            .await
            .unwrap();
        let ResourceContents::TextResourceContents { text, .. } = &res.contents[0] else {
            panic!("text expected");
        };
        file.verify(text.as_bytes()).expect("digest and size match");
    }
    let err = client
        .get_skill(rmcp::model::GetSkillRequestParams::new(
            "skill://other/SKILL.md",
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown skill"), "{err}");
    client.cancel().await.unwrap();
}
