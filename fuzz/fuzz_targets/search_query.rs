//! Any query string against the built-in index: never a panic, never an error.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::search::SearchOptions;
use serverless_guide::snapshot::Snapshot;

fn snapshot() -> &'static Snapshot {
    static SNAP: OnceLock<Snapshot> = OnceLock::new();
    SNAP.get_or_init(|| Snapshot::load(KnowledgeSources::builtin()).expect("built-in knowledge"))
}

// Build the index before the first input: under the sanitizers it takes longer
// than libFuzzer's per-input timeout, which would report start-up as a hang.
fuzz_target!(init: { snapshot(); }, |data: &[u8]| {
    let query = String::from_utf8_lossy(data);
    let result = snapshot().index.search(&query, &SearchOptions::default());
    assert!(result.is_ok(), "a query must never be an error: {result:?}");
});
