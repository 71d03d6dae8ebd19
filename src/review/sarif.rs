//! SARIF 2.1.0 output for code-scanning tools (GitHub, Azure DevOps, IDEs).

use serde_json::{Value, json};

use super::{Finding, Review, RuleSet, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(f: &Finding, path: &str, rule_index: Option<usize>, suppression: Option<&str>) -> Value {
    let mut r = json!({
        "ruleId": f.rule_id,
        "level": level(f.severity),
        "message": { "text": f.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": path },
                "region": {
                    "startLine": f.line,
                    "startColumn": f.column,
                    "endLine": f.end_line,
                    "endColumn": f.end_column,
                }
            }
        }],
    });
    if let Some(obj) = r.as_object_mut() {
        if let Some(i) = rule_index {
            obj.insert("ruleIndex".into(), json!(i));
        }
        if let Some(reason) = suppression {
            obj.insert(
                "suppressions".into(),
                json!([{ "kind": "inSource", "justification": reason }]),
            );
        }
    }
    r
}

/// One SARIF log with one run covering every reviewed file (`path` -> review).
pub fn to_sarif(rules: &RuleSet, files: &[(String, Review)]) -> Value {
    let ids: Vec<&str> = rules.rules().iter().map(|r| r.id.as_str()).collect();
    let descriptors: Vec<Value> = rules
        .rules()
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": heck::AsUpperCamelCase(&r.id).to_string(),
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": r.rationale.trim() },
                "help": {
                    "text": format!("{}\n\nFix: {}\n\nGuidance: {}", r.rationale.trim(), r.fix.trim(), r.guidance_uri),
                    "markdown": format!("{}\n\n**Fix:** {}\n\n**Guidance:** `{}`", r.rationale.trim(), r.fix.trim(), r.guidance_uri),
                },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": { "guidance_uri": r.guidance_uri, "languages": r.languages, "tags": ["serverless"] },
            })
        })
        .collect();
    let mut results = Vec::new();
    let mut artifacts = Vec::new();
    for (path, review) in files {
        artifacts.push(json!({ "location": { "uri": path } }));
        for f in &review.findings {
            let idx = ids.iter().position(|id| *id == f.rule_id);
            results.push(result(f, path, idx, None));
        }
        for s in &review.suppressed {
            let idx = ids.iter().position(|id| *id == s.finding.rule_id);
            results.push(result(&s.finding, path, idx, Some(&s.reason)));
        }
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "serverless-guide",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                }
            },
            "artifacts": artifacts,
            "results": results,
            "columnKind": "unicodeCodePoints",
        }]
    })
}
