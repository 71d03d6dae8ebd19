//! The MCP face of the library: an rmcp `ServerHandler` whose tools and
//! resources are thin wrappers over `knowledge`, `search`, `review` and
//! `scaffold`. Nothing here knows about the transport (stdio or HTTP).

mod guide_tools;
mod resources;
mod review_tools;
mod scaffold_tools;

use std::sync::Arc;

use arc_swap::ArcSwap;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    Implementation, ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, tool_handler};

use crate::snapshot::Snapshot;

pub use guide_tools::{ListGuidanceResult, SearchGuidanceResult};

/// What the server tells every client about itself.
pub const INSTRUCTIONS: &str = "serverless-guide: expert, offline AWS serverless and event-driven architecture guidance \
(Lambda, API Gateway, SQS, SNS, EventBridge, Step Functions, DynamoDB Streams, Kinesis; reliability, security, \
observability, performance, deployment). Before designing or changing serverless infrastructure or Lambda code, \
call search_guidance with the user's question in plain words, then read_guidance on the best hit's uri for the \
full text (follow `related` for more). Use list_guidance to browse by category or service. Documents are also \
resources at guide://<id>. Cite the guide:// URIs you relied on.";

/// The MCP server. Cheap to clone: all clones share one knowledge snapshot.
#[derive(Clone)]
pub struct GuideServer {
    state: Arc<ArcSwap<Snapshot>>,
    tool_router: ToolRouter<Self>,
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
            tool_router: Self::guide_tools() + Self::review_tools() + Self::scaffold_tools(),
        }
    }

    /// The snapshot a request works on from start to end.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.state.load_full()
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for GuideServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
                .with_title("serverless-guide: AWS serverless and EDA guidance"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult::with_all_items(resources::list(
            &self.snapshot(),
        )))
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
        resources::read(&self.snapshot(), &request.uri).map(Into::into)
    }
}
