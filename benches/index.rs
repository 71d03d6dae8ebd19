//! Index build: the built-in knowledge (the whole `Snapshot::load` a server does at
//! start-up, and the tantivy index alone), then synthetic knowledge bases of 1,000 and
//! 10,000 documents written by `scripts/gen-synthetic-kb` into a temporary directory.
//! The synthetic cases are skipped, with a note on stderr, when `python3` is missing.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use serverless_guide::knowledge::synonyms::Synonyms;
use serverless_guide::knowledge::{KnowledgeSources, Library};
use serverless_guide::search::SearchIndex;
use serverless_guide::snapshot::Snapshot;

/// Writes `n` synthetic documents into `dir`; false when the generator cannot run.
fn generate(n: usize, dir: &Path) -> bool {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-synthetic-kb");
    match Command::new("python3")
        .arg(&script)
        .arg(n.to_string())
        .arg(dir)
        .status()
    {
        Ok(s) if s.success() => true,
        Ok(s) => {
            eprintln!(
                "skipping synthetic {n}: {} exited with {s}",
                script.display()
            );
            false
        }
        Err(e) => {
            eprintln!("skipping synthetic {n}: cannot run python3: {e}");
            false
        }
    }
}

fn builtin(c: &mut Criterion) {
    let mut g = c.benchmark_group("index build (built-in knowledge)");
    g.sample_size(20);
    g.bench_function("Snapshot::load (parse + index + rules + scaffolds)", |b| {
        b.iter(|| Snapshot::load(KnowledgeSources::builtin()).expect("snapshot"))
    });
    let sources = KnowledgeSources::builtin();
    let library = Arc::new(Library::load(&sources).expect("library"));
    let synonyms = Synonyms::load(&sources).expect("synonyms");
    g.bench_function("SearchIndex::build (index only)", |b| {
        b.iter(|| SearchIndex::build(Arc::clone(&library), synonyms.clone()).expect("index"))
    });
    g.finish();
}

fn synthetic(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    for n in [1_000usize, 10_000] {
        let dir = tmp.path().join(format!("kb-{n}"));
        if !generate(n, &dir) {
            continue;
        }
        let sources = KnowledgeSources::new(false, [dir]);
        let library = Arc::new(Library::load(&sources).expect("synthetic library"));
        assert_eq!(library.len(), n, "every synthetic document loads");
        let synonyms = Synonyms::load(&KnowledgeSources::builtin()).expect("synonyms");
        let mut g = c.benchmark_group(format!("index build ({n} synthetic documents)"));
        g.sample_size(10);
        if n >= 10_000 {
            g.measurement_time(Duration::from_secs(30));
        }
        g.bench_function("Library::load (read + parse)", |b| {
            b.iter(|| Library::load(&sources).expect("library"))
        });
        g.bench_function("SearchIndex::build (index only)", |b| {
            b.iter(|| SearchIndex::build(Arc::clone(&library), synonyms.clone()).expect("index"))
        });
        g.finish();
    }
}

criterion_group!(benches, builtin, synthetic);
criterion_main!(benches);
