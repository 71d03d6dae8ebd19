//! Argument parsing and the commands that do not deserve a file of their own.

mod guide;
mod index;
mod review;
mod scaffold;
mod serve;
mod skill;
mod validate;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::snapshot::Snapshot;

const ABOUT: &str = "Expert AWS serverless and event-driven architecture guidance: search it, review code \
against it, scaffold CDK apps from it. Works offline; serves MCP clients over stdio or HTTP.";

const AFTER_HELP: &str = "\
Examples:
  serverless-guide search \"dead letter queue for lambda\"
  serverless-guide read guide://idempotency
  serverless-guide list --category reliability
  serverless-guide serve                      # MCP over stdio (for Claude, VS Code, Cursor, ...)
  serverless-guide review src/ template.yaml  # find serverless anti-patterns
  serverless-guide scaffold sqs-lambda-worker --language typescript --out ./worker
  serverless-guide export-skill ~/.claude/skills
  serverless-guide --knowledge ./kb index build --out ./kb-index   # then: serve --index ./kb-index
  claude mcp add serverless-guide -- serverless-guide serve

Exit codes: 0 success, 1 review findings at or above --fail-on, 2 usage or input error.
Logs go to stderr (RUST_LOG or --log-level); stdout carries only results (or MCP messages in stdio mode).";

#[derive(Debug, Parser)]
#[command(name = "serverless-guide", version, about = ABOUT, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command understands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Add a knowledge directory laid out like the built-in one (guides/, rules/, scaffolds/,
    /// synonyms/). Repeatable; a document with the same id overrides the built-in one.
    #[arg(long = "knowledge", value_name = "DIR", global = true)]
    pub knowledge: Vec<PathBuf>,
    /// Do not load the built-in knowledge (serve only --knowledge directories).
    #[arg(long, global = true)]
    pub no_builtin: bool,
    /// Log level for stderr: error, warn, info, debug, trace (default: warn; info for serve).
    #[arg(long, value_name = "LEVEL", global = true)]
    pub log_level: Option<String>,
    /// Log format for stderr: text, or json (one object per line, with request ids).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the MCP server (stdio by default).
    Serve(serve::ServeArgs),
    /// Search the guidance; prints ranked sections with their guide:// URIs.
    Search(guide::SearchArgs),
    /// Print a document (guide://id) or one section (guide://id#section) as markdown.
    Read(guide::ReadArgs),
    /// List the documents, optionally by category or service.
    List(guide::ListArgs),
    /// Review code (TypeScript, JavaScript, Python, CloudFormation/SAM) for serverless anti-patterns.
    Review(review::ReviewArgs),
    /// List the review rules, or explain one.
    Rules(review::RulesArgs),
    /// Generate a CDK app for a proven serverless pattern.
    Scaffold(scaffold::ScaffoldArgs),
    /// Check a knowledge directory (or the built-in knowledge) for errors.
    Validate(validate::ValidateArgs),
    /// Write the knowledge base as an agent skill folder (SKILL.md + references).
    ExportSkill(skill::ExportSkillArgs),
    /// Build a persistent search index (for `serve --index`, so replicas start fast).
    Index(index::IndexArgs),
}

/// What every command needs: where knowledge comes from.
pub struct Context {
    pub sources: KnowledgeSources,
}

impl Context {
    /// Loads everything; errors name the file and the problem.
    pub fn snapshot(&self) -> anyhow::Result<Snapshot> {
        self.snapshot_with_index(None)
    }

    /// Like [`Context::snapshot`], opening the search index from `index` (written by
    /// `index build`) when it matches the knowledge.
    pub fn snapshot_with_index(&self, index: Option<&Path>) -> anyhow::Result<Snapshot> {
        Ok(Snapshot::load_with_index(self.sources.clone(), index)?)
    }
}

/// Logs go to stderr only: in stdio mode stdout is the protocol channel.
pub fn init_tracing(global: &GlobalArgs, serving: bool) {
    let default = global
        .log_level
        .clone()
        .unwrap_or_else(|| if serving { "info" } else { "warn" }.into());
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let _ = match global.log_format {
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let ctx = Context {
        sources: KnowledgeSources::new(!cli.global.no_builtin, cli.global.knowledge.clone()),
    };
    let code = match &cli.command {
        Command::Serve(a) => serve::run(&ctx, a)?,
        Command::Search(a) => guide::search(&ctx, a)?,
        Command::Read(a) => guide::read(&ctx, a)?,
        Command::List(a) => guide::list(&ctx, a)?,
        Command::Review(a) => review::run_review(&ctx, a)?,
        Command::Rules(a) => review::run_rules(&ctx, a)?,
        Command::Scaffold(a) => scaffold::run(&ctx, a)?,
        Command::Validate(a) => validate::run(&ctx, a)?,
        Command::ExportSkill(a) => skill::run(&ctx, a)?,
        Command::Index(a) => index::run(&ctx, a)?,
    };
    Ok(u8::try_from(code).unwrap_or(2))
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
