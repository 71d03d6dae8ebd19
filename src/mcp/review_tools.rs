//! MCP tools `review_code` and `explain_rule` (thin wrappers over `crate::review`).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::GuideServer;
use crate::review::{self, Explanation, Finding, Language, Summary};

/// Largest input accepted; bigger inputs should be split by file.
const MAX_CODE: usize = review::MAX_INPUT_BYTES;

/// Reviews running at once: one per core.
fn review_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReviewCodeArgs {
    /// The source to review: a Lambda handler, CDK code, or a CloudFormation/SAM template (YAML or JSON).
    pub code: String,
    /// typescript, javascript, python or cloudformation. Default: from `filename`, else guessed from the code.
    #[serde(default)]
    pub language: Option<String>,
    /// File name, used to pick the language (`app.py`, `stack.ts`, `template.yaml`).
    #[serde(default)]
    pub filename: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ReviewCodeResult {
    /// The language the code was reviewed as.
    pub language: String,
    /// Problems found, in source order. Read `guidance_uri` with read_guidance for the full guidance.
    pub findings: Vec<Finding>,
    /// Counts by severity; `suppressed` counts findings silenced by `serverless-guide-ignore` comments.
    pub summary: Summary,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ExplainRuleArgs {
    /// A rule id from a review_code finding, e.g. `sqs-queue-without-dlq`.
    pub rule_id: String,
}

#[tool_router(router = review_tools, vis = "pub(crate)")]
impl GuideServer {
    /// Review Lambda handler code (TypeScript, JavaScript, Python), AWS CDK code (TypeScript, Python) or a
    /// CloudFormation/SAM template for serverless anti-patterns: missing DLQs, partial batch failures,
    /// idempotency, tracing, log retention, wildcard IAM, timeouts, secrets, and more. Each finding has a
    /// line, a fix and a guide:// URI with the full guidance.
    #[tool(
        name = "review_code",
        title = "Review serverless code",
        annotations(
            title = "Review serverless code",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn review_code(
        &self,
        Parameters(args): Parameters<ReviewCodeArgs>,
    ) -> Result<Json<ReviewCodeResult>, String> {
        if args.code.trim().is_empty() {
            return Err("code must not be empty: pass the file contents to review".into());
        }
        if args.code.len() > MAX_CODE {
            return Err(format!(
                "code is {} bytes; review accepts at most {MAX_CODE} bytes (1 MiB): review one file at a time",
                args.code.len()
            ));
        }
        let language = match args.language.as_deref() {
            Some(l) => Some(Language::parse(l).ok_or_else(|| {
                format!("unknown language `{l}`; use one of: {}", Language::NAMES)
            })?),
            None => None,
        };
        let snapshot = self.snapshot().await;
        // A review is CPU work of up to review::TIME_BUDGET: it runs on the blocking
        // pool, at most one per core at a time, so pings, searches and health checks
        // are still answered while hostile inputs are being reviewed.
        let _permit = review_slots()
            .acquire()
            .await
            .map_err(|_| "the server is shutting down".to_string())?;
        let r = tokio::task::spawn_blocking(move || {
            review::review(
                &snapshot.rules,
                &args.code,
                language,
                args.filename.as_deref(),
            )
        })
        .await
        .map_err(|e| format!("the review failed: {e}"))?
        .map_err(|e| e.to_string())?;
        Ok(Json(ReviewCodeResult {
            language: r.language,
            findings: r.findings,
            summary: r.summary,
        }))
    }

    /// Explain a review rule: what it detects, why it matters, how to fix it, with a bad and a good example
    /// and the guide:// URI of the related guidance.
    #[tool(
        name = "explain_rule",
        title = "Explain a review rule",
        annotations(
            title = "Explain a review rule",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn explain_rule(
        &self,
        Parameters(args): Parameters<ExplainRuleArgs>,
    ) -> Result<Json<Explanation>, String> {
        let snapshot = self.snapshot().await;
        let id = args.rule_id.trim().trim_start_matches("rule://");
        match snapshot.rules.get(id) {
            Some(rule) => Ok(Json(review::explain(rule))),
            None => {
                let near = snapshot.rules.suggest(id);
                if near.is_empty() {
                    Err(format!(
                        "unknown rule `{id}`; rule ids appear in review_code findings (rule_id) and as rule:// resources"
                    ))
                } else {
                    Err(format!(
                        "unknown rule `{id}`; did you mean {}?",
                        near.join(", ")
                    ))
                }
            }
        }
    }
}
