//! `export-skill`: writes the knowledge base as an agent skill folder.

use std::path::PathBuf;

use clap::Args;
use serverless_guide::skill::SkillBundle;

use super::{Context, print_json};

const AFTER_HELP: &str = "\
Writes DIR/aws-serverless-eda/ with SKILL.md (when and how to use the guidance) and references/
(every document by category, an index, the review rules and the scaffold patterns), for assistants
that load skills from files (for example ~/.claude/skills or a project's .claude/skills). The same
skill is served over MCP (skills/list, skills/get) by `serverless-guide serve`.

Examples:
  serverless-guide export-skill ~/.claude/skills
  serverless-guide export-skill .claude/skills --knowledge ./team-knowledge --force";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ExportSkillArgs {
    /// Directory to write the skill folder into (created if missing).
    pub dir: PathBuf,
    /// Overwrite the skill's files when the folder already exists.
    #[arg(long)]
    pub force: bool,
    /// Print {"skill", "files": [paths]} as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &ExportSkillArgs) -> anyhow::Result<i32> {
    let snapshot = ctx.snapshot()?;
    let bundle = SkillBundle::build(&snapshot)?;
    let written = match bundle.write_to(&args.dir, args.force) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    if args.json {
        print_json(&serde_json::json!({ "skill": bundle.name, "files": written }))?;
    } else {
        println!(
            "wrote skill `{}` ({} files) to {}",
            bundle.name,
            written.len(),
            args.dir.join(&bundle.name).display()
        );
    }
    Ok(0)
}
