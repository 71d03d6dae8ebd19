//! `index build`: a persistent search index for `serve --index` / `search --index`.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serverless_guide::search::BuildProgress;
use serverless_guide::search::persist::{MANIFEST_FILE, is_index_dir};
use serverless_guide::snapshot::build_index;

use super::{Context, print_json};

#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(subcommand)]
    pub command: IndexCommand,
}

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Write the search index of the current knowledge (built-in and --knowledge DIRs) to a
    /// directory, so that `serve --index DIR` starts without indexing.
    Build(BuildArgs),
}

#[derive(Debug, Args)]
#[command(after_help = "\
The directory gets the tantivy index and serverless-guide-index.json (versions, counts and a
fingerprint of the guides). `serve --index DIR` uses it only when the fingerprint matches the
knowledge it loads; otherwise it warns and indexes in RAM. Rebuild after every knowledge change.")]
pub struct BuildArgs {
    /// Directory to write the index to (created if missing; an index already there is replaced).
    #[arg(long, value_name = "INDEX_DIR")]
    pub out: PathBuf,
    /// Replace the contents of a non-empty directory that holds no index.
    #[arg(long)]
    pub force: bool,
    /// Print the manifest as JSON instead of a summary line.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &IndexArgs) -> anyhow::Result<i32> {
    match &args.command {
        IndexCommand::Build(a) => build(ctx, a),
    }
}

fn build(ctx: &Context, args: &BuildArgs) -> anyhow::Result<i32> {
    let started = Instant::now();
    let out = target(ctx, &args.out, args.force)?;
    let parent = out.parent().unwrap_or_else(|| Path::new("/"));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Built beside the target and renamed into place: a failed build leaves the
    // old index as it was, and a reader never sees a half-written one.
    let staging = parent.join(format!(".{name}.building-{}", std::process::id()));
    remove_path(&staging)?;
    std::fs::create_dir(&staging)
        .with_context(|| format!("creating the build directory {}", staging.display()))?;
    let bar = progress_bar();
    let built = build_index(&ctx.sources, &staging, &mut |p| report(&bar, p));
    bar.finish_and_clear();
    let manifest = match built {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e.into());
        }
    };
    if let Err(e) = replace(&staging, &out) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if args.json {
        print_json(&manifest)?;
    } else {
        println!(
            "wrote the search index of {} documents ({} sections) to {} in {:.1}s",
            manifest.documents,
            manifest.sections,
            args.out.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(0)
}

/// The absolute path to write to, after checking that it may be (re)placed.
fn target(ctx: &Context, out: &Path, force: bool) -> anyhow::Result<PathBuf> {
    let shown = out.display();
    if out.exists() {
        if !out.is_dir() {
            anyhow::bail!("--out {shown} exists and is not a directory: choose a directory path");
        }
        let abs = std::fs::canonicalize(out).with_context(|| format!("--out {shown}"))?;
        let empty = std::fs::read_dir(&abs)
            .with_context(|| format!("reading --out {shown}"))?
            .next()
            .is_none();
        if !empty && !is_index_dir(&abs) && !force {
            anyhow::bail!(
                "--out {shown} is not empty and holds no index written by `index build` (no {MANIFEST_FILE}): \
                 choose a new or empty directory, or pass --force to replace everything in it"
            );
        }
        // Never replace a directory we stand in or read knowledge from.
        let mut guarded: Vec<PathBuf> = ctx
            .sources
            .dirs()
            .filter_map(|d| std::fs::canonicalize(d).ok())
            .collect();
        guarded.extend(std::env::current_dir().ok());
        if let Some(g) = guarded.iter().find(|g| g.starts_with(&abs)) {
            anyhow::bail!(
                "--out {shown} contains {}, which would be deleted: choose another directory",
                g.display()
            );
        }
        if abs.parent().is_none() {
            anyhow::bail!("--out {shown}: refusing to replace the root directory");
        }
        return Ok(abs);
    }
    let name = out.file_name().with_context(|| {
        format!("--out {shown} does not name a directory: give a path like ./index")
    })?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("creating the parent directory of --out {shown}"))?;
    let parent = std::fs::canonicalize(&parent).with_context(|| format!("--out {shown}"))?;
    Ok(parent.join(name))
}

/// Puts the finished `staging` directory at `out`, replacing what is there.
fn replace(staging: &Path, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        let mut old = staging.as_os_str().to_owned();
        old.push(".old");
        let old = PathBuf::from(old);
        remove_path(&old)?;
        std::fs::rename(out, &old)
            .with_context(|| format!("moving the old {} aside", out.display()))?;
        std::fs::rename(staging, out)
            .with_context(|| format!("moving the new index into {}", out.display()))?;
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("removing the old index at {}", old.display()))?;
    } else {
        std::fs::rename(staging, out)
            .with_context(|| format!("moving the new index into {}", out.display()))?;
    }
    Ok(())
}

/// Removes a leftover file or directory of an earlier, interrupted build.
fn remove_path(path: &Path) -> anyhow::Result<()> {
    let removed = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else if path.exists() {
        std::fs::remove_file(path)
    } else {
        return Ok(());
    };
    removed.with_context(|| format!("removing the leftover {}", path.display()))
}

/// A bar on stderr when it is a terminal; hidden otherwise (logs, CI, pipes).
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn report(bar: &ProgressBar, progress: BuildProgress) {
    match progress {
        BuildProgress::Loading => bar.set_message("reading the knowledge"),
        BuildProgress::Indexed { done, total } => {
            if bar.length() != Some(total as u64) {
                bar.set_length(total as u64);
                if let Ok(style) = ProgressStyle::with_template(
                    "{spinner} indexing [{bar:30}] {pos}/{len} documents ({eta} left)",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
            }
            bar.set_position(done as u64);
        }
        BuildProgress::Committing => {
            bar.set_style(ProgressStyle::default_spinner());
            bar.set_message("writing the index");
        }
        BuildProgress::Merging => bar.set_message("merging segments"),
    }
}
