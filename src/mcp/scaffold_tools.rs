//! MCP tools `list_scaffolds` and `scaffold_pattern` (thin wrappers over `crate::scaffold`).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::GuideServer;
use crate::scaffold::{Generated, Language, ScaffoldSummary};

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListScaffoldsResult {
    pub scaffolds: Vec<ScaffoldSummary>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ScaffoldPatternArgs {
    /// Pattern id from list_scaffolds (e.g. sqs-lambda-worker).
    pub pattern: String,
    /// typescript or python.
    pub language: String,
    /// Project name: lowercase letters, digits and hyphens, starting with a letter (default: the pattern id).
    #[serde(default)]
    pub name: Option<String>,
    /// Pattern options by name (see list_scaffolds), e.g. {"api_type": "rest"}.
    #[serde(default)]
    pub options: Option<serde_json::Map<String, serde_json::Value>>,
}

#[tool_router(router = scaffold_tools, vis = "pub(crate)")]
impl GuideServer {
    /// List the scaffold patterns: complete, tested AWS CDK apps (TypeScript or Python) for proven serverless
    /// patterns (API + DynamoDB, SQS worker, SNS fan-out, EventBridge router, Step Functions saga, ...), with
    /// their options and the guide:// document explaining each.
    #[tool(
        name = "list_scaffolds",
        title = "List scaffold patterns",
        annotations(
            title = "List scaffold patterns",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_scaffolds(&self) -> Result<Json<ListScaffoldsResult>, String> {
        Ok(Json(ListScaffoldsResult {
            scaffolds: self.snapshot().await.scaffolds.list(),
        }))
    }

    /// Generate a complete AWS CDK app for a pattern: project files, stack, Lambda handlers (Powertools),
    /// template assertion tests and a README. Returns the files (path + content) for you to write; the server
    /// writes nothing. Then follow next_steps (install, test, synth).
    #[tool(
        name = "scaffold_pattern",
        title = "Generate a CDK app for a pattern",
        annotations(
            title = "Generate a CDK app for a pattern",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn scaffold_pattern(
        &self,
        Parameters(args): Parameters<ScaffoldPatternArgs>,
    ) -> Result<Json<Generated>, String> {
        let language = Language::parse(&args.language).map_err(|e| e.to_string())?;
        let options = args.options.unwrap_or_default();
        self.snapshot()
            .await
            .scaffolds
            .render(&args.pattern, language, args.name.as_deref(), &options)
            .map(Json)
            .map_err(|e| e.to_string())
    }
}
