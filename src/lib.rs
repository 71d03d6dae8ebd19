//! serverless-guide: AWS serverless and event-driven architecture guidance
//! (search, review, scaffold) as a library. The binary (`src/main.rs`) and the
//! MCP server (`mcp`) are two faces on these modules.

// Input paths must not panic: a bad index or `unwrap` on user data would take
// the server down. Tests may use them freely.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

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
