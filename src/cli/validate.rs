//! `validate`: checks a knowledge directory (or the built-in knowledge) and
//! reports every problem with its file and line.

use std::path::PathBuf;

use clap::Args;
use serverless_guide::snapshot::{ValidationReport, validate};

use super::{Context, print_json};

const AFTER_HELP: &str = "\
What is checked:
  guides/**/*.md   front matter schema (id, title, category, services, summary, tags, related,
                   rules, scaffolds, last_reviewed, sources), unique ids, every related/rules/
                   scaffolds id exists, every fenced code block has a language tag, TypeScript,
                   JavaScript and Python blocks parse, guide://, rule:// and scaffold:// links
                   (and #section anchors) resolve
  rules/           every rule loads and its guidance_uri points at an existing document/section
  scaffolds/       every manifest loads and its guidance document exists
  synonyms/, eval/ parse; every evaluation query expects documents that exist

DIR is checked on top of the built-in knowledge (so it may refer to built-in documents);
add --no-builtin to check it alone.

Exit codes: 0 no problem, 1 problems found (listed on stdout as FILE:LINE: MESSAGE),
2 DIR does not exist or is not a directory.

Examples:
  serverless-guide validate                  # the built-in knowledge
  serverless-guide validate ./team-knowledge
  serverless-guide validate ./team-knowledge --json";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ValidateArgs {
    /// The knowledge directory to check (default: the built-in knowledge).
    pub dir: Option<PathBuf>,
    /// Print one JSON document: {ok, documents, rules, scaffolds, eval_queries, problems: [{path, line, message}]}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &ValidateArgs) -> anyhow::Result<i32> {
    let mut sources = ctx.sources.clone();
    if let Some(dir) = &args.dir {
        if !dir.is_dir() {
            eprintln!(
                "error: {} is not a directory; give a knowledge directory laid out like the built-in one (guides/, rules/, scaffolds/, synonyms/, eval/)",
                dir.display()
            );
            return Ok(2);
        }
        sources = sources.with_dir(dir);
    }
    let report = validate(&sources);
    if args.json {
        print_json(&report)?;
    } else {
        print_text(&report);
    }
    Ok(if report.ok { 0 } else { 1 })
}

fn print_text(report: &ValidationReport) {
    for p in &report.problems {
        println!("{p}");
    }
    let counts = format!(
        "{} documents, {} rules, {} scaffolds, {} evaluation queries",
        report.documents, report.rules, report.scaffolds, report.eval_queries
    );
    if report.ok {
        println!("ok: {counts}");
    } else {
        eprintln!("{} problem(s) in {counts}", report.problems.len());
    }
}
