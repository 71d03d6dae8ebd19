//! `completion/complete`: candidate values for prompt arguments and for the
//! variables of our resource templates, from the live snapshot.

use rmcp::model::{CompleteRequestParams, CompletionInfo, Reference};

use super::prompts::{self, ValueKind};
use crate::knowledge::{CATEGORIES, SERVICES};
use crate::snapshot::Snapshot;

/// Languages a user can name (review and scaffold).
const LANGUAGES: &[&str] = &["typescript", "javascript", "python", "cloudformation"];

/// Candidates for one completion request, best first (prefix matches, then
/// substring matches), at most [`CompletionInfo::MAX_VALUES`].
pub(crate) fn complete(snapshot: &Snapshot, request: &CompleteRequestParams) -> CompletionInfo {
    let candidates = match &request.r#ref {
        Reference::Prompt(p) => prompts::spec(&p.name)
            .and_then(|spec| spec.args.iter().find(|a| a.name == request.argument.name))
            .map(|a| values_of(snapshot, a.kind))
            .unwrap_or_default(),
        Reference::Resource(r) => {
            let context_id = request
                .context
                .as_ref()
                .and_then(|c| c.arguments.as_ref())
                .and_then(|a| a.get("id"))
                .cloned();
            template_values(snapshot, &r.uri, &request.argument.name, context_id)
        }
        // A reference kind from a newer protocol revision: nothing to offer.
        _ => Vec::new(),
    };
    rank(candidates, &request.argument.value)
}

fn values_of(snapshot: &Snapshot, kind: ValueKind) -> Vec<String> {
    let owned = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
    match kind {
        ValueKind::Text => Vec::new(),
        ValueKind::Language => owned(LANGUAGES),
        ValueKind::Category => owned(CATEGORIES),
        ValueKind::Service => owned(SERVICES),
        ValueKind::DocumentId => snapshot
            .library
            .documents()
            .iter()
            .map(|d| d.meta.id.clone())
            .collect(),
        ValueKind::ScaffoldId => snapshot
            .scaffolds
            .ids()
            .into_iter()
            .map(str::to_string)
            .collect(),
    }
}

fn template_values(
    snapshot: &Snapshot,
    template: &str,
    variable: &str,
    context_id: Option<String>,
) -> Vec<String> {
    match (template, variable) {
        ("guide://{id}" | "guide://{id}#{section}", "id") => {
            values_of(snapshot, ValueKind::DocumentId)
        }
        ("guide://{id}#{section}", "section") => context_id
            .and_then(|id| snapshot.library.get(&id).cloned())
            .map(|doc| {
                doc.sections
                    .iter()
                    .filter(|s| !s.slug.is_empty())
                    .map(|s| s.slug.clone())
                    .collect()
            })
            .unwrap_or_default(),
        ("scaffold://{id}", "id") => values_of(snapshot, ValueKind::ScaffoldId),
        ("rule://{id}", "id") => snapshot
            .rules
            .rules()
            .iter()
            .map(|r| r.id.clone())
            .collect(),
        _ => Vec::new(),
    }
}

fn rank(candidates: Vec<String>, typed: &str) -> CompletionInfo {
    let typed = typed.trim().to_lowercase();
    let (mut prefix, mut inner): (Vec<String>, Vec<String>) = candidates
        .into_iter()
        .filter(|c| c.to_lowercase().contains(&typed))
        .partition(|c| c.to_lowercase().starts_with(&typed));
    prefix.sort();
    inner.sort();
    prefix.append(&mut inner);
    let total = prefix.len();
    prefix.truncate(CompletionInfo::MAX_VALUES);
    let has_more = total > prefix.len();
    // Cannot fail: the list was truncated to the maximum just above.
    CompletionInfo::with_pagination(prefix, Some(total as u32), has_more).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_matches_come_before_substring_matches() {
        let info = rank(
            vec!["sqs-worker".into(), "api-sqs".into(), "sns".into()],
            "sq",
        );
        assert_eq!(info.values, vec!["sqs-worker", "api-sqs"]);
        assert_eq!(info.total, Some(2));
        assert_eq!(info.has_more, Some(false));
    }

    #[test]
    fn at_most_the_protocol_maximum_is_returned() {
        let many: Vec<String> = (0..150).map(|i| format!("id-{i:03}")).collect();
        let info = rank(many, "id");
        assert_eq!(info.values.len(), CompletionInfo::MAX_VALUES);
        assert_eq!(info.total, Some(150));
        assert_eq!(info.has_more, Some(true));
    }
}
