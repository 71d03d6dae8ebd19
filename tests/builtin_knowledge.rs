//! The built-in knowledge can never ship broken: it loads, validates, and
//! covers every category with at least 60 documents.

use std::collections::HashSet;

use serverless_guide::knowledge::validate::{KnownIds, validate};
use serverless_guide::knowledge::{CATEGORIES, KnowledgeSources};
use serverless_guide::snapshot::Snapshot;

#[test]
fn builtin_knowledge_loads_and_validates() {
    let sources = KnowledgeSources::builtin();
    let snapshot = Snapshot::load(sources.clone())
        .unwrap_or_else(|e| panic!("built-in knowledge does not load: {e}"));
    let lib = &snapshot.library;
    assert!(lib.len() >= 60, "only {} documents", lib.len());
    for c in CATEGORIES {
        assert!(
            lib.documents().iter().any(|d| d.meta.category == *c),
            "no document in {c}"
        );
    }
    let known = KnownIds::default();
    let problems = validate(lib, &sources, &known);
    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        text.join("\n")
    );
    let ids: HashSet<&str> = lib.documents().iter().map(|d| d.meta.id.as_str()).collect();
    assert_eq!(ids.len(), lib.len());
}
