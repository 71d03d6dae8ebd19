//! `search`, `read` and `list`.

use std::path::PathBuf;

use clap::Args;
use serverless_guide::knowledge::read;
use serverless_guide::search::SearchOptions;

use super::{Context, print_json};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What you want to know, in plain words.
    pub query: String,
    /// Only this category (principles, event-driven, serverless, reliability, security,
    /// observability, performance, deployment).
    #[arg(long)]
    pub category: Option<String>,
    /// Only documents about this service (lambda, sqs, step-functions, ...).
    #[arg(long)]
    pub service: Option<String>,
    /// Number of results, 1 to 20.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub limit: u32,
    /// Print JSON ({"results": [...]}) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Search the index written by `index build --out INDEX_DIR` instead of indexing now
    /// (falls back to indexing, with a warning, when it was built from other knowledge).
    #[arg(long, value_name = "INDEX_DIR")]
    pub index: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// guide://<id> or guide://<id>#<section> (a bare id works too).
    pub uri: String,
    /// Print JSON (uri, title, markdown, next_offset, related) instead of markdown.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this category.
    #[arg(long)]
    pub category: Option<String>,
    /// Only documents about this service.
    #[arg(long)]
    pub service: Option<String>,
    /// Print JSON ({"documents": [...]}) instead of text.
    #[arg(long)]
    pub json: bool,
}

fn check_filters(category: Option<&str>, service: Option<&str>) -> anyhow::Result<()> {
    read::check_filters(category, service).map_err(anyhow::Error::msg)
}

pub fn search(ctx: &Context, args: &SearchArgs) -> anyhow::Result<i32> {
    if args.query.trim().is_empty() {
        anyhow::bail!(
            "the query is empty: say what you want to know, e.g. `serverless-guide search \"sqs dead letter queue\"`"
        );
    }
    if let Some(problem) = serverless_guide::search::query_problem(&args.query) {
        anyhow::bail!(problem);
    }
    check_filters(args.category.as_deref(), args.service.as_deref())?;
    let snapshot = ctx.snapshot_with_index(args.index.as_deref())?;
    let opts = SearchOptions {
        category: args.category.clone(),
        service: args.service.clone(),
        limit: args.limit as usize,
    };
    let results = snapshot.index.search(&args.query, &opts)?;
    if args.json {
        print_json(&serde_json::json!({ "results": results }))?;
        return Ok(0);
    }
    if results.is_empty() {
        println!("No matches. Try other words, or `serverless-guide list` to browse.");
    }
    for (i, hit) in results.iter().enumerate() {
        let section = if hit.section.is_empty() {
            String::new()
        } else {
            format!(" › {}", hit.section)
        };
        println!("{}. {}{}  [{}]", i + 1, hit.title, section, hit.category);
        println!("   {}", hit.uri);
        println!("   {}\n", hit.snippet);
    }
    Ok(0)
}

pub fn read(ctx: &Context, args: &ReadArgs) -> anyhow::Result<i32> {
    let snapshot = ctx.snapshot()?;
    let page = read::read(&snapshot.library, &args.uri, 0, Some(read::MAX_MAX_CHARS))?;
    if args.json {
        print_json(&page)?;
    } else {
        println!("{}", page.markdown);
        if !page.related.is_empty() {
            println!("\nRelated:");
            for r in &page.related {
                println!("  {}  {}", r.uri, r.title);
            }
        }
    }
    Ok(0)
}

pub fn list(ctx: &Context, args: &ListArgs) -> anyhow::Result<i32> {
    check_filters(args.category.as_deref(), args.service.as_deref())?;
    let snapshot = ctx.snapshot()?;
    let docs = read::list(
        &snapshot.library,
        args.category.as_deref(),
        args.service.as_deref(),
    );
    if args.json {
        print_json(&serde_json::json!({ "documents": docs }))?;
        return Ok(0);
    }
    let mut category = "";
    for d in &docs {
        if d.category != category {
            category = &d.category;
            println!("\n{category}");
        }
        println!("  {:<48} {}", d.uri, d.title);
    }
    println!("\n{} documents", docs.len());
    Ok(0)
}
