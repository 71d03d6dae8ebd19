//! `serverless-guide review` and `serverless-guide rules`.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;
use serverless_guide::review::{self, Language, Review, Rule, RuleSet, Severity, Summary};

use super::{Context, print_json};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

/// Arguments of `review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Files or directories to review (directories recursively); `-` reads stdin.
    #[arg(required = true, value_name = "PATH|-")]
    pub paths: Vec<PathBuf>,
    /// Language of every input: typescript, javascript, python, cloudformation (default: from the file name, else the content).
    #[arg(long, value_name = "L")]
    pub language: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
}

/// Arguments of `rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Explain this rule instead of listing all rules.
    pub rule_id: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Directories never worth reviewing: dependencies, build output, VCS data.
const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "cdk.out",
    ".git",
    "target",
    "dist",
    "build",
    ".venv",
    "venv",
    "__pycache__",
    ".aws-sam",
    ".serverless",
    ".terraform",
    "coverage",
    ".mypy_cache",
    ".pytest_cache",
    ".tox",
    ".idea",
    ".vscode",
];

#[derive(Serialize)]
struct FileReport<'a> {
    path: &'a str,
    language: &'a str,
    findings: &'a [review::Finding],
    suppressed: &'a [review::SuppressedFinding],
    summary: Summary,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<FileReport<'a>>,
    summary: Summary,
}

pub fn run_review(ctx: &Context, args: &ReviewArgs) -> anyhow::Result<i32> {
    let language =
        match &args.language {
            Some(l) => Some(Language::parse(l).with_context(|| {
                format!("unknown language `{l}`; use one of: {}", Language::NAMES)
            })?),
            None => None,
        };
    // (path, code, found by walking a directory). A walked file that cannot be
    // reviewed is skipped with a warning; a file named on the command line is an error.
    let mut inputs: Vec<(String, String, bool)> = Vec::new();
    for p in &args.paths {
        if p.as_os_str() == "-" {
            let code = read_limited(std::io::stdin().lock(), "stdin")?;
            inputs.push(("-".into(), code, false));
        } else if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)?;
            files.sort();
            for f in files {
                if language.is_none() && !reviewable(&f) {
                    continue;
                }
                let code = match read_file(&f) {
                    Ok(code) => code,
                    Err(e) => {
                        tracing::warn!("skipped: {e:#}");
                        continue;
                    }
                };
                // Directory walks only keep YAML/JSON files that are templates.
                if language.is_none() && review::detect_language(f.to_str(), &code).is_none() {
                    continue;
                }
                inputs.push((f.display().to_string(), code, true));
            }
        } else if p.exists() {
            // Not only regular files: `review <(git show HEAD:template.yaml)` reads a pipe.
            inputs.push((p.display().to_string(), read_file(p)?, false));
        } else {
            bail!("{}: no such file or directory", p.display());
        }
    }
    // Only the rules: a review needs neither the documents nor the search index,
    // whose build would dominate the run time of a one-file review. Code matchers
    // are compiled only when there is code to review.
    let any_code = inputs.iter().any(|(path, code, _)| {
        let filename = (path != "-").then_some(path.as_str());
        language
            .or_else(|| review::detect_language(filename, code))
            .is_none_or(|l| l != Language::CloudFormation)
    });
    let rules = &RuleSet::load_with(&ctx.sources, any_code)?;
    let mut results: Vec<(String, Review)> = Vec::new();
    for (path, code, walked) in inputs {
        let filename = (path != "-").then_some(path.as_str());
        match review::review(rules, &code, language, filename) {
            Ok(r) => results.push((path, r)),
            Err(e) if walked => tracing::warn!("skipped {path}: {e}"),
            Err(e) => bail!("{path}: {e}"),
        }
    }
    let mut total = Summary::default();
    for (_, r) in &results {
        total.add(&r.summary);
    }
    match args.format {
        Format::Json => print_json(&JsonReport {
            files: results
                .iter()
                .map(|(p, r)| FileReport {
                    path: p,
                    language: &r.language,
                    findings: &r.findings,
                    suppressed: &r.suppressed,
                    summary: r.summary,
                })
                .collect(),
            summary: total,
        })?,
        Format::Sarif => print_json(&review::sarif::to_sarif(rules, &results))?,
        Format::Text => print_text(&results, &total),
    }
    let fail = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    Ok(i32::from(fail.is_some_and(|lvl| total.reaches(lvl))))
}

fn reviewable(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.ends_with(".d.ts") || name.contains(".min.") {
        return false;
    }
    matches!(
        p.extension().and_then(|e| e.to_str()).unwrap_or(""),
        "ts" | "tsx"
            | "mts"
            | "cts"
            | "js"
            | "mjs"
            | "cjs"
            | "jsx"
            | "py"
            | "yaml"
            | "yml"
            | "json"
            | "template"
    ) && !matches!(
        name,
        "package.json" | "package-lock.json" | "tsconfig.json" | "cdk.json"
    )
}

/// Reads at most one byte more than review accepts, so a huge file, a pipe or
/// /dev/zero costs bounded memory; the error names the limit.
fn read_limited(reader: impl Read, what: &str) -> anyhow::Result<String> {
    let limit = review::MAX_INPUT_BYTES;
    let mut bytes = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what}"))?;
    if bytes.len() > limit {
        bail!(
            "{what} is over review's limit of {limit} bytes (1 MiB) per file: review one file at a time"
        );
    }
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{what} is not UTF-8 text"))
}

fn read_file(path: &Path) -> anyhow::Result<String> {
    let what = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {what}"))?;
    read_limited(file, &what)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?
    {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            if !SKIP_DIRS.contains(&name.as_ref()) && !name.starts_with('.') {
                walk(&path, out)?;
            }
        } else if ft.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

fn print_text(results: &[(String, Review)], total: &Summary) {
    for (path, r) in results {
        for f in &r.findings {
            println!(
                "{path}:{}:{}: {} [{}] {}",
                f.line,
                f.column,
                f.severity.as_str(),
                f.rule_id,
                f.message
            );
            if !f.fix.is_empty() {
                println!("    fix: {}", f.fix);
            }
            println!("    see: {}", f.guidance_uri);
        }
        for s in &r.suppressed {
            println!(
                "{path}:{}:{}: suppressed [{}] {}",
                s.finding.line, s.finding.column, s.finding.rule_id, s.reason
            );
        }
    }
    println!(
        "{} file(s): {} error(s), {} warning(s), {} info(s), {} suppressed",
        results.len(),
        total.errors,
        total.warnings,
        total.infos,
        total.suppressed
    );
}

pub fn run_rules(ctx: &Context, args: &RulesArgs) -> anyhow::Result<i32> {
    let rules = &RuleSet::load(&ctx.sources)?;
    match &args.rule_id {
        Some(id) => {
            let Some(rule) = rules.get(id) else {
                let near = rules.suggest(id);
                if near.is_empty() {
                    bail!("unknown rule `{id}`; `serverless-guide rules` lists them");
                }
                bail!("unknown rule `{id}`; did you mean {}?", near.join(", "));
            };
            if args.json {
                print_json(&review::explain(rule))?;
            } else {
                println!("{}", review::explain_markdown(rule));
            }
        }
        None => {
            if args.json {
                #[derive(Serialize)]
                struct List<'a> {
                    rules: &'a [Rule],
                }
                print_json(&List {
                    rules: rules.rules(),
                })?;
            } else {
                for r in rules.rules() {
                    println!("{:<48} {:<8} {}", r.id, r.severity.as_str(), r.title);
                }
                println!(
                    "{} rules; `serverless-guide rules <RULE_ID>` explains one.",
                    rules.len()
                );
            }
        }
    }
    Ok(0)
}
