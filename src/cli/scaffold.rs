//! `serverless-guide scaffold`: list the patterns, or render one into a directory.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;
use serverless_guide::scaffold::{
    Generated, Language, ScaffoldCatalog, ScaffoldSummary, write_files,
};

use super::{Context, print_json};

/// Arguments of `scaffold`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  serverless-guide scaffold --list
  serverless-guide scaffold sqs-lambda-worker --language typescript --name orders-worker --out ./orders-worker
  serverless-guide scaffold api-lambda-dynamodb --language python --option api_type=rest --out ./api")]
pub struct ScaffoldArgs {
    /// The pattern to generate (see `scaffold --list`).
    pub pattern: Option<String>,
    /// List the patterns.
    #[arg(long, conflicts_with = "pattern")]
    pub list: bool,
    /// typescript or python.
    #[arg(long, short = 'l')]
    pub language: Option<String>,
    /// Project name: lowercase letters, digits and hyphens, starting with a letter
    /// (default: the pattern id). Becomes the stack class and the Python package.
    #[arg(long)]
    pub name: Option<String>,
    /// Output directory (default: ./NAME). Created if missing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
    /// A pattern option, KEY=VALUE (see `scaffold --list`). Repeatable.
    #[arg(long = "option", value_name = "KEY=VALUE")]
    pub options: Vec<String>,
    /// Print JSON instead of text: `{"scaffolds": [...]}` for --list; otherwise the
    /// generated files (`{"pattern", "language", "files", "next_steps"}`) and nothing is written.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ListOutput<'a> {
    scaffolds: &'a [ScaffoldSummary],
}

pub fn run(ctx: &Context, args: &ScaffoldArgs) -> anyhow::Result<i32> {
    // Only the scaffold catalog is needed: skip building the search index.
    let catalog = ScaffoldCatalog::load(&ctx.sources)?;
    if args.list {
        return list(&catalog, args.json);
    }
    let Some(pattern) = args.pattern.as_deref() else {
        anyhow::bail!(
            "name a pattern (one of: {}) or use --list",
            catalog.ids().join(", ")
        );
    };
    let language = match args.language.as_deref() {
        Some(l) => Language::parse(l)?,
        None => anyhow::bail!("--language is required: typescript or python"),
    };
    let mut options = serde_json::Map::new();
    for kv in &args.options {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--option `{kv}` must look like KEY=VALUE"))?;
        options.insert(
            k.trim().to_string(),
            serde_json::Value::String(v.trim().to_string()),
        );
    }
    let generated = catalog.render(pattern, language, args.name.as_deref(), &options)?;
    if args.json {
        print_json(&generated)?;
        return Ok(0);
    }
    let name = args.name.clone().unwrap_or_else(|| pattern.to_string());
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(&name));
    write(&generated, &out, args.force)?;
    Ok(0)
}

fn list(catalog: &ScaffoldCatalog, json: bool) -> anyhow::Result<i32> {
    let scaffolds = catalog.list();
    if json {
        print_json(&ListOutput {
            scaffolds: &scaffolds,
        })?;
        return Ok(0);
    }
    if scaffolds.is_empty() {
        println!("no scaffold patterns are loaded");
        return Ok(0);
    }
    for s in &scaffolds {
        let langs: Vec<&str> = s.languages.iter().map(|l| l.as_str()).collect();
        println!("{}  {}", s.id, s.title);
        println!("    {}", s.summary);
        println!(
            "    languages: {}; services: {}; guidance: {}",
            langs.join(", "),
            s.services.join(", "),
            s.guidance_uri
        );
        for o in &s.options {
            let choices = if o.choices.is_empty() {
                "true|false".to_string()
            } else {
                o.choices.join("|")
            };
            println!(
                "    --option {}={choices} (default {}): {}",
                o.name, o.default, o.description
            );
        }
    }
    Ok(0)
}

fn write(generated: &Generated, out: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let written = write_files(out, &generated.files, force)?;
    eprintln!(
        "wrote {} files for {} ({}) to {}",
        written.len(),
        generated.pattern,
        generated.language,
        out.display()
    );
    println!("Next steps:");
    println!("  cd {}", out.display());
    for step in &generated.next_steps {
        println!("  {step}");
    }
    Ok(())
}
