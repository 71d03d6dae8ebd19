//! Shared by the four review targets (not a target itself).

use std::sync::OnceLock;

use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::review::{Language, RuleSet, review};

/// Reviews `data`, decoded lossily, as `lang` with every built-in rule (loaded
/// once per process). Any answer is fine but a panic; an error must say something.
pub fn review_as(data: &[u8], lang: Language, filename: Option<&str>) {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    let rules =
        RULES.get_or_init(|| RuleSet::load(&KnowledgeSources::builtin()).expect("built-in rules"));
    let code = String::from_utf8_lossy(data);
    if let Err(e) = review(rules, &code, Some(lang), filename) {
        assert!(
            !e.to_string().trim().is_empty(),
            "an error without a message"
        );
    }
}
