//! MCP tools `search_guidance`, `read_guidance` and `list_guidance`.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::GuideServer;
use crate::knowledge::read::{self, DocSummary, ReadResult, check_filters};
use crate::search::{SearchHit, SearchOptions};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchGuidanceArgs {
    /// What you want to know, in plain words (e.g. "retry SQS messages without losing the batch").
    pub query: String,
    /// Only this category: principles, event-driven, serverless, reliability, security, observability, performance, deployment.
    #[serde(default)]
    pub category: Option<String>,
    /// Only documents about this AWS service (e.g. lambda, sqs, step-functions, dynamodb, eventbridge).
    #[serde(default)]
    pub service: Option<String>,
    /// Number of results, 1 to 20 (default 5).
    #[serde(default)]
    #[schemars(range(min = 1, max = 20))]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchGuidanceResult {
    /// Best first; at most one section per document until every matching document is shown.
    pub results: Vec<SearchHit>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReadGuidanceArgs {
    /// guide://<id> for a whole document or guide://<id>#<section> for one section.
    pub uri: String,
    /// Character offset to start from (use next_offset from the previous page).
    #[serde(default)]
    pub offset: Option<u64>,
    /// Page size in characters, 200 to 200000 (default 20000).
    #[serde(default)]
    #[schemars(range(min = 200, max = 200000))]
    pub max_chars: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListGuidanceArgs {
    /// Only this category.
    #[serde(default)]
    pub category: Option<String>,
    /// Only documents about this AWS service.
    #[serde(default)]
    pub service: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListGuidanceResult {
    pub documents: Vec<DocSummary>,
}

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

#[tool_router(router = guide_tools, vis = "pub(crate)")]
impl GuideServer {
    /// Search the AWS serverless / event-driven guidance. Use it first for any question about designing,
    /// building, securing, observing or deploying Lambda, API Gateway, SQS, SNS, EventBridge, Step
    /// Functions, DynamoDB Streams or Kinesis. Returns ranked sections with guide:// URIs and snippets.
    #[tool(
        name = "search_guidance",
        title = "Search serverless guidance",
        annotations(
            title = "Search serverless guidance",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn search_guidance(
        &self,
        Parameters(args): Parameters<SearchGuidanceArgs>,
    ) -> Result<Json<SearchGuidanceResult>, String> {
        if args.query.trim().is_empty() {
            return Err(
                "query must not be empty: describe what you want to know in plain words".into(),
            );
        }
        if let Some(problem) = crate::search::query_problem(&args.query) {
            return Err(problem);
        }
        check_filters(args.category.as_deref(), args.service.as_deref())?;
        let limit = args.limit.unwrap_or(5);
        if !(1..=20).contains(&limit) {
            return Err(format!("limit must be between 1 and 20, got {limit}"));
        }
        let opts = SearchOptions {
            category: args.category,
            service: args.service,
            limit: limit as usize,
        };
        let snapshot = self.snapshot().await;
        let results = snapshot
            .index
            .search(&args.query, &opts)
            .map_err(|e| e.to_string())?;
        Ok(Json(SearchGuidanceResult { results }))
    }

    /// Read a guidance document or one section of it (markdown), by the guide:// URI from search_guidance
    /// or list_guidance. Long documents come in pages: pass next_offset back as offset. Also returns
    /// related documents and the section URIs.
    #[tool(
        name = "read_guidance",
        title = "Read a guidance document",
        annotations(
            title = "Read a guidance document",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn read_guidance(
        &self,
        Parameters(args): Parameters<ReadGuidanceArgs>,
    ) -> Result<Json<ReadResult>, String> {
        let snapshot = self.snapshot().await;
        read::read(
            &snapshot.library,
            &args.uri,
            to_usize(args.offset.unwrap_or(0)),
            args.max_chars.map(to_usize),
        )
        .map(Json)
        .map_err(|e| e.to_string())
    }

    /// List the guidance documents (uri, title, category, services, summary), optionally for one
    /// category or AWS service. Use it to browse; use search_guidance to answer a question.
    #[tool(
        name = "list_guidance",
        title = "List guidance documents",
        annotations(
            title = "List guidance documents",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_guidance(
        &self,
        Parameters(args): Parameters<ListGuidanceArgs>,
    ) -> Result<Json<ListGuidanceResult>, String> {
        check_filters(args.category.as_deref(), args.service.as_deref())?;
        let snapshot = self.snapshot().await;
        Ok(Json(ListGuidanceResult {
            documents: read::list(
                &snapshot.library,
                args.category.as_deref(),
                args.service.as_deref(),
            ),
        }))
    }
}
