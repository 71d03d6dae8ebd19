//! Review: finds serverless anti-patterns in handler code, CDK code (TypeScript,
//! JavaScript, Python) and CloudFormation/SAM templates (YAML or JSON, including
//! `cdk synth` output).
//!
//! Rules are data (`knowledge/rules/**/*.yml`, see `knowledge/rules/README.md`):
//! code rules carry ast-grep matchers; template rules name a check implemented in
//! Rust over a normalised template model ([`template`]). Both share one metadata
//! format so `rules` and `explain_rule` treat them alike.

mod cdk;
mod code;
mod detect;
mod rules;
pub mod sarif;
mod suppress;
pub mod template;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use detect::{Language, detect_language};
pub use rules::{Rule, RuleSet};

/// Errors while loading rules or reviewing input. Each names the file or the input.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{path}: {message}")]
    Rule { path: String, message: String },
    #[error(
        "duplicate rule id `{id}` in {first} and {second}; ids must be unique within one knowledge directory"
    )]
    DuplicateRule {
        id: String,
        first: String,
        second: String,
    },
    #[error(transparent)]
    Knowledge(#[from] crate::knowledge::KnowledgeError),
    #[error("{0}")]
    Input(String),
}

/// How bad a finding is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" | "hint" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// One problem found. Lines and columns are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
    pub fix: String,
    pub guidance_uri: String,
}

/// A finding silenced by a `serverless-guide-ignore: <rule-id> <reason>` comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SuppressedFinding {
    #[serde(flatten)]
    pub finding: Finding,
    /// The reason written after the rule id (empty when none was given).
    pub reason: String,
}

/// Counts by severity (suppressed findings are not counted in the three severities).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub suppressed: usize,
}

impl Summary {
    pub fn add(&mut self, other: &Summary) {
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
        self.suppressed += other.suppressed;
    }

    /// True when something at or above `level` was found.
    pub fn reaches(&self, level: Severity) -> bool {
        match level {
            Severity::Error => self.errors > 0,
            Severity::Warning => self.errors + self.warnings > 0,
            Severity::Info => self.errors + self.warnings + self.infos > 0,
        }
    }
}

/// The result of reviewing one piece of code.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Review {
    /// `typescript`, `javascript`, `python` or `cloudformation`.
    pub language: String,
    pub findings: Vec<Finding>,
    pub suppressed: Vec<SuppressedFinding>,
    pub summary: Summary,
}

/// Reviews `code`. `language` wins over `filename`; with neither, the language is
/// guessed from the content.
/// Largest input `review` accepts (1 MiB): CloudFormation's own limit for a
/// template, and far more than any handler or stack file. Bigger inputs are an
/// error that names the limit, so a request's time and memory stay bounded.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// Deepest syntax tree a code review accepts. Rules that look at a node's
/// ancestors or descendants cost time in proportion to depth, so 300,000 chained
/// calls took minutes to review; written code (and bundled CDK output) stays far
/// below this.
pub const MAX_SYNTAX_DEPTH: usize = 1_000;

/// Wall-clock time one review may take. It is checked between units of work (a
/// batch of syntax nodes, one template check), so a review that runs over ends
/// with an error naming this limit instead of holding a thread.
pub const TIME_BUDGET: Duration = Duration::from_secs(10);

/// When a review must stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    start: Instant,
    budget: Duration,
}

impl Deadline {
    fn new(budget: Duration) -> Self {
        Self {
            start: Instant::now(),
            budget,
        }
    }

    pub(crate) fn check(&self) -> Result<(), ReviewError> {
        if self.start.elapsed() <= self.budget {
            return Ok(());
        }
        Err(ReviewError::Input(format!(
            "the review ran past its time budget of {} ms per request and was stopped; review a smaller file",
            self.budget.as_millis()
        )))
    }
}

pub fn review(
    rules: &RuleSet,
    code: &str,
    language: Option<Language>,
    filename: Option<&str>,
) -> Result<Review, ReviewError> {
    review_within(rules, code, language, filename, TIME_BUDGET)
}

/// [`review`] with another time budget than [`TIME_BUDGET`].
pub fn review_within(
    rules: &RuleSet,
    code: &str,
    language: Option<Language>,
    filename: Option<&str>,
    budget: Duration,
) -> Result<Review, ReviewError> {
    let deadline = Deadline::new(budget);
    if code.len() > MAX_INPUT_BYTES {
        return Err(ReviewError::Input(format!(
            "{} bytes is over review's limit of {MAX_INPUT_BYTES} bytes (1 MiB) per file: review one file at a time",
            code.len()
        )));
    }
    let lang = match language {
        Some(l) => l,
        None => detect_language(filename, code).ok_or_else(|| {
            ReviewError::Input(format!(
                "cannot tell the language of {}; pass a language (typescript, javascript, python, cloudformation)",
                filename.unwrap_or("the input")
            ))
        })?,
    };
    let raw = match lang {
        Language::CloudFormation => template::review_template(rules, code, &deadline)?,
        _ => {
            let mut found = code::scan(rules, lang, code, &deadline)?;
            found.extend(cdk::scan(rules, lang, code));
            found
        }
    };
    Ok(finish(lang, code, raw))
}

/// Sorts, de-duplicates and applies inline suppressions.
fn finish(lang: Language, code: &str, mut raw: Vec<Finding>) -> Review {
    raw.sort_by(|a, b| {
        (a.line, a.column, &a.rule_id, &a.message).cmp(&(b.line, b.column, &b.rule_id, &b.message))
    });
    raw.dedup_by(|a, b| a.rule_id == b.rule_id && a.line == b.line && a.column == b.column);
    let ignores = suppress::Ignores::parse(code);
    let mut findings = Vec::new();
    let mut suppressed = Vec::new();
    let mut summary = Summary::default();
    for f in raw {
        if let Some(reason) = ignores.reason_for(&f.rule_id, f.line) {
            summary.suppressed += 1;
            suppressed.push(SuppressedFinding {
                finding: f,
                reason: reason.to_string(),
            });
            continue;
        }
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.infos += 1,
        }
        findings.push(f);
    }
    Review {
        language: lang.report_name().to_string(),
        findings,
        suppressed,
        summary,
    }
}

/// What `explain_rule` and `rules <ID> --json` return.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Explanation {
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    pub languages: Vec<String>,
    /// Why it matters and how to fix it (markdown).
    pub description: String,
    pub bad_example: String,
    pub good_example: String,
    pub guidance_uri: String,
    /// The same check in other tools (serverless-rules, cdk-nag, checkov ids).
    pub references: Vec<String>,
}

/// The explanation of one rule.
pub fn explain(rule: &Rule) -> Explanation {
    Explanation {
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        severity: rule.severity,
        languages: rule.languages.clone(),
        description: format!(
            "{}\n\n{}\n\n**Fix:** {}",
            rule.message.trim(),
            rule.rationale.trim(),
            rule.fix.trim()
        ),
        bad_example: rule.bad_example.clone(),
        good_example: rule.good_example.clone(),
        guidance_uri: rule.guidance_uri.clone(),
        references: rule.references.clone(),
    }
}

fn fence_lang(example: &str) -> &'static str {
    match detect_language(None, example) {
        Some(Language::Python) => "python",
        Some(Language::CloudFormation) => "yaml",
        Some(Language::JavaScript) => "javascript",
        _ => "typescript",
    }
}

/// The explanation as markdown (`rules <ID>` and the `rule://` resource).
pub fn explain_markdown(rule: &Rule) -> String {
    let mut md = format!(
        "# {} ({})\n\nSeverity: {} · Languages: {}\n\n{}\n\n## Why\n\n{}\n\n## Fix\n\n{}\n",
        rule.title,
        rule.id,
        rule.severity.as_str(),
        rule.languages.join(", "),
        rule.message.trim(),
        rule.rationale.trim(),
        rule.fix.trim()
    );
    if !rule.bad_example.trim().is_empty() {
        md.push_str(&format!(
            "\n## Bad\n\n```{}\n{}\n```\n",
            fence_lang(&rule.bad_example),
            rule.bad_example.trim_end()
        ));
    }
    if !rule.good_example.trim().is_empty() {
        md.push_str(&format!(
            "\n## Good\n\n```{}\n{}\n```\n",
            fence_lang(&rule.good_example),
            rule.good_example.trim_end()
        ));
    }
    md.push_str(&format!("\nGuidance: {}\n", rule.guidance_uri));
    if !rule.references.is_empty() {
        md.push_str(&format!("Related checks: {}\n", rule.references.join(", ")));
    }
    md.push_str("\nSuppress one finding with a comment on the line or the line above: `serverless-guide-ignore: ");
    md.push_str(&rule.id);
    md.push_str(" <reason>`\n");
    md
}
