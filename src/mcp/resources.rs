//! MCP resources: every document at `guide://<id>` (text/markdown), sections
//! at `guide://<id>#<slug>`, and templates for each URI scheme.

use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};

use crate::knowledge::read;
use crate::snapshot::Snapshot;

const MARKDOWN: &str = "text/markdown";
const SCAFFOLD_SCHEME: &str = "scaffold://";
const RULE_SCHEME: &str = "rule://";
const SKILL_SCHEME: &str = "skill://";

/// `skill://<name>/<path>` of a file of the skill.
pub(crate) fn skill_uri(name: &str, path: &str) -> String {
    format!("{SKILL_SCHEME}{name}/{path}")
}

pub(crate) fn list(snapshot: &Snapshot) -> Vec<Resource> {
    let mut out: Vec<Resource> = snapshot
        .library
        .documents()
        .iter()
        .map(|d| {
            Resource::new(d.uri(), d.meta.id.clone())
                .with_title(d.meta.title.clone())
                .with_description(d.meta.summary.clone())
                .with_mime_type(MARKDOWN)
                .with_size(d.body.len() as u64)
        })
        .collect();
    out.extend(snapshot.scaffolds.list().into_iter().map(|s| {
        Resource::new(format!("{SCAFFOLD_SCHEME}{}", s.id), s.id.clone())
            .with_title(s.title)
            .with_description(s.summary)
            .with_mime_type(MARKDOWN)
    }));
    out.extend(snapshot.rules.rules().iter().map(|r| {
        Resource::new(format!("{RULE_SCHEME}{}", r.id), r.id.clone())
            .with_title(r.title.clone())
            .with_description(format!(
                "Review rule ({}): {}",
                r.severity.as_str(),
                r.message
            ))
            .with_mime_type(MARKDOWN)
    }));
    // The skill's files are resources too (SEP-2640); a broken SKILL.md only hides them.
    if let Ok(skill) = snapshot.skill() {
        out.extend(skill.files.iter().map(|f| {
            Resource::new(skill_uri(&skill.name, &f.path), f.path.clone())
                .with_mime_type(MARKDOWN)
                .with_size(f.bytes.len() as u64)
        }));
    }
    out
}

pub(crate) fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new("guide://{id}", "guide")
            .with_title("Guidance document")
            .with_description("A whole guidance document, by id (see list_guidance).")
            .with_mime_type(MARKDOWN),
        ResourceTemplate::new("guide://{id}#{section}", "guide-section")
            .with_title("Guidance section")
            .with_description("One section of a guidance document, by its heading slug.")
            .with_mime_type(MARKDOWN),
        ResourceTemplate::new("scaffold://{id}", "scaffold")
            .with_title("Scaffold pattern")
            .with_description("A scaffold pattern: architecture, options and the files it generates (see list_scaffolds).")
            .with_mime_type(MARKDOWN),
        ResourceTemplate::new("rule://{id}", "rule")
            .with_title("Review rule")
            .with_description("A review rule: what it detects, why, how to fix it, with examples (ids come from review_code findings).")
            .with_mime_type(MARKDOWN),
    ]
}

pub(crate) fn read(snapshot: &Snapshot, uri: &str) -> Result<ReadResourceResult, McpError> {
    if uri.starts_with("guide://") {
        let page = read::read(&snapshot.library, uri, 0, Some(read::MAX_MAX_CHARS))
            .map_err(|e| McpError::resource_not_found(e.to_string(), None))?;
        return Ok(ReadResourceResult::new(vec![
            ResourceContents::text(page.markdown, uri).with_mime_type(MARKDOWN),
        ]));
    }
    if let Some(id) = uri.strip_prefix(SCAFFOLD_SCHEME) {
        let markdown = snapshot
            .scaffolds
            .describe(id.trim_end_matches('/'))
            .map_err(|e| McpError::resource_not_found(e.to_string(), None))?;
        return Ok(ReadResourceResult::new(vec![
            ResourceContents::text(markdown, uri).with_mime_type(MARKDOWN),
        ]));
    }
    if let Some(id) = uri.strip_prefix(RULE_SCHEME) {
        let id = id.trim_end_matches('/');
        let rule = snapshot.rules.get(id).ok_or_else(|| {
            let near = snapshot.rules.suggest(id);
            let hint = if near.is_empty() {
                "; use rule://<rule-id> with an id from review_code findings or `serverless-guide rules`"
                    .to_string()
            } else {
                format!("; did you mean {}?", near.join(", "))
            };
            McpError::resource_not_found(format!("unknown rule `{id}`{hint}"), None)
        })?;
        return Ok(ReadResourceResult::new(vec![
            ResourceContents::text(crate::review::explain_markdown(rule), uri)
                .with_mime_type(MARKDOWN),
        ]));
    }
    if let Some(rest) = uri.strip_prefix(SKILL_SCHEME) {
        let skill = snapshot
            .skill()
            .map_err(|e| McpError::internal_error(e, None))?;
        let file = rest
            .strip_prefix(&skill.name)
            .and_then(|p| p.strip_prefix('/'))
            .and_then(|p| skill.file(p))
            .ok_or_else(|| {
                McpError::resource_not_found(
                    format!(
                        "unknown skill file `{uri}`; the skill's entry point is {}",
                        skill_uri(&skill.name, "SKILL.md")
                    ),
                    None,
                )
            })?;
        return Ok(ReadResourceResult::new(vec![
            ResourceContents::text(String::from_utf8_lossy(&file.bytes).into_owned(), uri)
                .with_mime_type(MARKDOWN),
        ]));
    }
    Err(McpError::resource_not_found(
        format!(
            "unknown resource `{uri}`; resources are guide://<id>, guide://<id>#<section>, scaffold://<id>, rule://<id>, skill://<name>/<path>"
        ),
        None,
    ))
}
