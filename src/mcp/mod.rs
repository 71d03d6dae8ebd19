//! The MCP face of the library: an rmcp `ServerHandler` whose tools and
//! resources are thin wrappers over `knowledge`, `search`, `review` and
//! `scaffold`. Nothing here knows about the transport (stdio or HTTP).

mod completions;
mod guide_tools;
mod panics;
mod peers;
mod prompts;
mod resources;
mod review_tools;
mod scaffold_tools;

use std::sync::Arc;

use arc_swap::ArcSwap;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::JsonObject;
use rmcp::model::{CallToolRequestParams, CallToolResponse};
use rmcp::model::{
    CompleteRequestParams, CompleteResult, GetPromptRequestParams, GetPromptResponse,
    GetSkillRequestParams, GetSkillResult, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListSkillsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig, Skill,
    SkillFrontmatter, SkillResource, SkillResources,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, tool_handler};

use crate::snapshot::Snapshot;
use panics::guarded;

pub use guide_tools::{ListGuidanceResult, SearchGuidanceResult};
pub use peers::Peers;

/// What the server tells every client about itself.
pub const INSTRUCTIONS: &str = "serverless-guide: expert, offline AWS serverless and event-driven architecture guidance \
(Lambda, API Gateway, SQS, SNS, EventBridge, Step Functions, DynamoDB Streams, Kinesis; reliability, security, \
observability, performance, deployment). Before designing or changing serverless infrastructure or Lambda code, \
call search_guidance with the user's question in plain words, then read_guidance on the best hit's uri for the \
full text (follow `related` for more). Use list_guidance to browse by category or service. Documents are also \
resources at guide://<id>. To check code or a template, call review_code (explain_rule tells why a rule exists); to start a new app, list_scaffolds then scaffold_pattern. Prompts offer guided workflows (design, review, harden, migrate to Step Functions, choose a messaging service). Cite the guide:// URIs you relied on.";

/// Shrinks a generated JSON schema without changing what it accepts, so all
/// tools fit in a small part of an assistant's context: drops `$schema`
/// (2020-12 is MCP's default dialect), schemars' `"format": "uint"` (the
/// `minimum: 0` beside it says the same) and the descriptions of shared
/// `$defs` types (each property keeps its own description).
fn compact_schema(mut schema: JsonObject) -> JsonObject {
    fn strip_uint(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                if map.get("format").and_then(|f| f.as_str()) == Some("uint") {
                    map.remove("format");
                }
                map.values_mut().for_each(strip_uint);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip_uint),
            _ => {}
        }
    }
    schema.remove("$schema");
    if let Some(serde_json::Value::Object(defs)) = schema.get_mut("$defs") {
        for def in defs.values_mut() {
            if let serde_json::Value::Object(def) = def {
                def.remove("description");
            }
        }
    }
    let mut value = serde_json::Value::Object(schema);
    strip_uint(&mut value);
    match value {
        serde_json::Value::Object(map) => map,
        _ => JsonObject::new(),
    }
}

/// The MCP server. Cheap to clone: all clones share one knowledge snapshot.
#[derive(Clone)]
pub struct GuideServer {
    state: Arc<ArcSwap<Snapshot>>,
    tool_router: ToolRouter<Self>,
    /// Where initialized clients are registered, so reloads can be announced to them.
    peers: Option<Peers>,
    /// Set while the knowledge is still loading (see [`GuideServer::with_ready`]).
    ready: Option<tokio::sync::watch::Receiver<bool>>,
}

impl GuideServer {
    /// A server over a fixed snapshot.
    pub fn new(snapshot: Snapshot) -> Self {
        Self::with_state(Arc::new(ArcSwap::from_pointee(snapshot)))
    }

    /// A server over a shared, swappable snapshot (for live reload).
    pub fn with_state(state: Arc<ArcSwap<Snapshot>>) -> Self {
        Self {
            state,
            tool_router: Self::all_tools().clone(),
            peers: None,
            ready: None,
        }
    }

    /// Every tool with compacted schemas, built once per process: HTTP creates a
    /// server per session, and the schemas never change.
    fn all_tools() -> &'static ToolRouter<Self> {
        static TOOLS: std::sync::OnceLock<ToolRouter<GuideServer>> = std::sync::OnceLock::new();
        TOOLS.get_or_init(|| {
            let mut router = Self::guide_tools() + Self::review_tools() + Self::scaffold_tools();
            for route in router.map.values_mut() {
                let tool = &mut route.attr;
                tool.input_schema = Arc::new(compact_schema(tool.input_schema.as_ref().clone()));
                if let Some(out) = &tool.output_schema {
                    tool.output_schema = Some(Arc::new(compact_schema(out.as_ref().clone())));
                }
            }
            router
        })
    }

    /// Registers every client that finishes initializing in `peers`, so live
    /// reload can tell it about changes (`notifications/resources/list_changed`).
    pub fn with_peers(mut self, peers: Peers) -> Self {
        self.peers = Some(peers);
        self
    }

    /// Names of every tool this server can offer.
    pub fn all_tool_names() -> Vec<String> {
        Self::all_tools()
            .list_all()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    /// Keeps only the named tools (`serve --tools`), so a client that needs only
    /// search sees a smaller tools/list. Unknown names are an error.
    pub fn restrict_tools(mut self, allowed: &[String]) -> Result<Self, String> {
        let all = Self::all_tool_names();
        if let Some(unknown) = allowed.iter().find(|a| !all.contains(a)) {
            return Err(format!(
                "unknown tool `{unknown}`; tools are: {}",
                all.join(", ")
            ));
        }
        for name in all.iter().filter(|n| !allowed.contains(n)) {
            self.tool_router.remove_route(name);
        }
        Ok(self)
    }

    /// Makes requests wait until `ready` turns true: `serve` answers `initialize`
    /// at once and loads the knowledge in the background (the index takes a few
    /// hundred milliseconds), so only requests that need it wait, and only once.
    pub fn with_ready(mut self, ready: tokio::sync::watch::Receiver<bool>) -> Self {
        self.ready = Some(ready);
        self
    }

    /// The snapshot a request works on from start to end.
    pub async fn snapshot(&self) -> Arc<Snapshot> {
        if let Some(ready) = &self.ready {
            let mut ready = ready.clone();
            // An error means the loader is gone; the state then holds what there is.
            let _ = ready.wait_for(|loaded| *loaded).await;
        }
        self.state.load_full()
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for GuideServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            // Logging is deprecated by SEP-2577 but older clients (and the conformance
            // suite) still set a level; accepting it costs nothing.
            #[allow(deprecated)]
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_resources_list_changed()
                .enable_prompts()
                .enable_completions()
                .enable_logging()
                .enable_skills()
                .build(),
        )
        .with_server_info(
            Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
                .with_title("serverless-guide: AWS serverless and EDA guidance"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    // Written out (rather than left to #[tool_handler]) so a panic in a tool is an
    // error reply, not a request that is never answered.
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let what = format!("tools/call `{}`", request.name);
        let tcc = ToolCallContext::new(self, request, context);
        guarded(what, self.tool_router.call(tcc)).await
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        guarded("resources/list", async {
            Ok(ListResourcesResult::with_all_items(resources::list(
                self.snapshot().await.as_ref(),
            )))
        })
        .await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        guarded(format!("resources/read `{}`", request.uri), async {
            resources::read(self.snapshot().await.as_ref(), &request.uri).map(Into::into)
        })
        .await
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(prompts::list()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        guarded(format!("prompts/get `{}`", request.name), async {
            prompts::get(
                self.snapshot().await.as_ref(),
                &request.name,
                request.arguments,
            )
            .map(Into::into)
        })
        .await
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        guarded("completion/complete", async {
            Ok(CompleteResult::new(completions::complete(
                self.snapshot().await.as_ref(),
                &request,
            )))
        })
        .await
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        tracing::debug!("client initialized");
        if let Some(peers) = &self.peers {
            peers.add(context.peer);
        }
    }

    #[allow(deprecated)]
    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        // Our diagnostics go to stderr through `tracing`; the level a client asks
        // for is recorded so operators can see it, and nothing else changes.
        tracing::debug!(level = ?request.level, "client set the logging level");
        Ok(())
    }

    async fn list_skills(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListSkillsResult, McpError> {
        guarded("skills/list", async {
            Ok(ListSkillsResult::with_all_items(vec![
                self.skill_manifest().await?,
            ]))
        })
        .await
    }

    async fn get_skill(
        &self,
        request: GetSkillRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetSkillResult, McpError> {
        let skill = guarded("skills/get", self.skill_manifest()).await?;
        if request.uri != skill.uri {
            return Err(McpError::invalid_params(
                format!(
                    "unknown skill `{}`; this server has {}",
                    request.uri, skill.uri
                ),
                None,
            ));
        }
        Ok(GetSkillResult::new(skill))
    }
}

impl GuideServer {
    /// The skills-extension manifest of our one skill: every file with its digest and size.
    async fn skill_manifest(&self) -> Result<Skill, McpError> {
        let snapshot = self.snapshot().await;
        let bundle = snapshot
            .skill()
            .map_err(|e| McpError::internal_error(e, None))?;
        let files = bundle
            .files
            .iter()
            .map(|f| {
                SkillResource::from_bytes(resources::skill_uri(&bundle.name, &f.path), &f.bytes)
            })
            .collect();
        Ok(Skill::new(
            resources::skill_uri(&bundle.name, "SKILL.md"),
            SkillFrontmatter::new(bundle.name.clone(), bundle.description.clone()),
            SkillResources::Files(files),
        ))
    }
}
