//! `validate`: checks a knowledge directory (or the built-in knowledge).

use std::path::PathBuf;

use clap::Args;
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::snapshot::Snapshot;

use super::Context;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The knowledge directory to check (default: the built-in knowledge).
    pub dir: Option<PathBuf>,
}

pub fn run(_ctx: &Context, args: &ValidateArgs) -> anyhow::Result<i32> {
    let sources = match &args.dir {
        Some(dir) => KnowledgeSources::empty().with_dir(dir),
        None => KnowledgeSources::builtin(),
    };
    let snapshot = Snapshot::load(sources)?;
    println!("ok: {} documents", snapshot.library.len());
    Ok(0)
}
