//! serverless-guide: AWS serverless and event-driven architecture guidance
//! (search, review, scaffold) as a library. The binary (`src/main.rs`) and the
//! MCP server (`mcp`) are two faces on these modules.

pub mod knowledge;
pub mod mcp;
pub mod reload;
pub mod remote;
pub mod review;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod skill;
pub mod snapshot;
