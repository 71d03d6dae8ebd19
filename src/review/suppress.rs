//! Inline suppressions: `serverless-guide-ignore: <rule-id>[,<rule-id>...] <reason>`
//! in a comment on the finding's line or on the line above it.

use std::collections::HashMap;

const MARKER: &str = "serverless-guide-ignore:";

/// Suppressions by 1-based line they apply to.
pub(crate) struct Ignores {
    by_line: HashMap<usize, Vec<(String, String)>>,
}

impl Ignores {
    pub(crate) fn parse(code: &str) -> Self {
        let mut by_line: HashMap<usize, Vec<(String, String)>> = HashMap::new();
        for (i, line) in code.lines().enumerate() {
            let Some(pos) = line.find(MARKER) else {
                continue;
            };
            let rest = line[pos + MARKER.len()..].trim();
            // A block comment may close on the same line.
            let rest = rest.trim_end_matches("*/").trim_end_matches("-->").trim();
            let (ids, reason) = match rest.split_once(char::is_whitespace) {
                Some((ids, reason)) => (ids, reason.trim()),
                None => (rest, ""),
            };
            for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                for target in [i + 1, i + 2] {
                    by_line
                        .entry(target)
                        .or_default()
                        .push((id.to_string(), reason.to_string()));
                }
            }
        }
        Self { by_line }
    }

    /// The reason when `rule_id` is suppressed at `line`.
    pub(crate) fn reason_for(&self, rule_id: &str, line: usize) -> Option<&str> {
        self.by_line
            .get(&line)?
            .iter()
            .find(|(id, _)| id == rule_id)
            .map(|(_, r)| r.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_line_and_line_above() {
        let code = "a\n// serverless-guide-ignore: rule-a webhook verifies signatures\nb # serverless-guide-ignore: rule-b,rule-c\n";
        let ig = Ignores::parse(code);
        assert_eq!(
            ig.reason_for("rule-a", 3),
            Some("webhook verifies signatures")
        );
        assert_eq!(
            ig.reason_for("rule-a", 2),
            Some("webhook verifies signatures")
        );
        assert_eq!(ig.reason_for("rule-a", 4), None);
        assert_eq!(ig.reason_for("rule-c", 3), Some(""));
        assert_eq!(ig.reason_for("rule-x", 3), None);
    }
}
