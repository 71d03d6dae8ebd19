//! Rule fixtures: every rule has `tests/fixtures/rules/<id>/bad.*` (must be flagged by
//! that rule) and `good.*` (must not be); the findings on each file are snapshotted.

use std::path::{Path, PathBuf};

use serverless_guide::knowledge::read::parse_guide_uri;
use serverless_guide::knowledge::{KnowledgeSources, Library};
use serverless_guide::review::{RuleSet, review};

fn rules() -> RuleSet {
    RuleSet::load(&KnowledgeSources::builtin()).expect("built-in rules load")
}

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn at_least_45_rules_with_complete_metadata() {
    let rules = rules();
    assert!(rules.len() >= 45, "only {} rules", rules.len());
    for r in rules.rules() {
        assert!(!r.title.is_empty() && !r.message.is_empty(), "{}", r.id);
        assert!(
            !r.rationale.trim().is_empty() && !r.fix.trim().is_empty(),
            "{}",
            r.id
        );
        assert!(!r.languages.is_empty(), "{} has no language", r.id);
        assert!(
            !r.bad_example.trim().is_empty() && !r.good_example.trim().is_empty(),
            "{}",
            r.id
        );
    }
}

#[test]
fn every_rule_has_bad_and_good_fixtures() {
    let rules = rules();
    for r in rules.rules() {
        let dir = fixture_root().join(&r.id);
        let files = if dir.is_dir() {
            fixture_files(&dir)
        } else {
            Vec::new()
        };
        let names: Vec<String> = files
            .iter()
            .filter_map(|f| f.file_name().and_then(|n| n.to_str()).map(str::to_string))
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("bad.")),
            "{}: no bad fixture",
            r.id
        );
        assert!(
            names.iter().any(|n| n.starts_with("good.")),
            "{}: no good fixture",
            r.id
        );
    }
}

#[test]
fn fixtures_flag_bad_and_spare_good() {
    let rules = rules();
    let mut failures = Vec::new();
    for r in rules.rules() {
        let dir = fixture_root().join(&r.id);
        if !dir.is_dir() {
            continue;
        }
        for file in fixture_files(&dir) {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let code = std::fs::read_to_string(&file).expect("fixture is text");
            let result = match review(&rules, &code, None, Some(&name)) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{}/{name}: {e}", r.id));
                    continue;
                }
            };
            let hits = result.findings.iter().filter(|f| f.rule_id == r.id).count();
            if name.starts_with("bad.") && hits == 0 {
                failures.push(format!("{}/{name}: expected a finding", r.id));
            }
            if name.starts_with("good.") && hits > 0 {
                failures.push(format!("{}/{name}: unexpected finding(s)", r.id));
            }
            let snap: Vec<String> = result
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{}:{}-{}:{} {} [{}] {}",
                        f.line,
                        f.column,
                        f.end_line,
                        f.end_column,
                        f.severity.as_str(),
                        f.rule_id,
                        f.message
                    )
                })
                .collect();
            insta::with_settings!({ snapshot_suffix => format!("{}__{}", r.id, name.replace('.', "_")) }, {
                insta::assert_yaml_snapshot!("fixture", snap);
            });
        }
    }
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_guidance_uri_resolves() {
    let library = Library::load(&KnowledgeSources::builtin()).expect("library");
    for r in rules().rules() {
        let (doc, section) = parse_guide_uri(&r.guidance_uri)
            .unwrap_or_else(|e| panic!("{}: bad guidance_uri: {e}", r.id));
        let d = library
            .get(&doc)
            .unwrap_or_else(|| panic!("{}: no document `{doc}` for {}", r.id, r.guidance_uri));
        if let Some(s) = section {
            assert!(
                d.section(&s).is_some(),
                "{}: document `{doc}` has no section `{s}`",
                r.id
            );
        }
    }
}
