//! Review of an arbitrary CloudFormation/SAM template in JSON (alias bombs, deep nesting,
//! odd tags and broken documents included).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::review::{Language, RuleSet, review};

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::load(&KnowledgeSources::builtin()).expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let code = String::from_utf8_lossy(data);
    let _ = review(
        rules(),
        &code,
        Some(Language::CloudFormation),
        Some("template.json"),
    );
});
