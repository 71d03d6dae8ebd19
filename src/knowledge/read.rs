//! Reading and listing documents by URI: the operations behind `read`/`list`
//! (CLI) and `read_guidance`/`list_guidance` (MCP).

use schemars::JsonSchema;
use serde::Serialize;

use super::Library;

/// Default page size of [`read`], in characters.
pub const DEFAULT_MAX_CHARS: usize = 20_000;
/// Smallest and largest page a caller may ask for.
pub const MIN_MAX_CHARS: usize = 200;
pub const MAX_MAX_CHARS: usize = 200_000;

/// A link to another document.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct GuideLink {
    pub uri: String,
    pub title: String,
}

/// One page of a document or section.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct ReadResult {
    /// The URI that was read, normalised (`guide://id` or `guide://id#section`).
    pub uri: String,
    pub title: String,
    /// The markdown of this page.
    pub markdown: String,
    /// Pass this as `offset` to read the next page; null when this page is the last.
    pub next_offset: Option<usize>,
    /// Length of the whole document or section, in characters.
    pub total_chars: usize,
    /// Documents to read next ("see also").
    pub related: Vec<GuideLink>,
    /// The sections of the document as `guide://id#slug`, to read one at a time.
    pub sections: Vec<String>,
}

/// A document in a listing.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct DocSummary {
    pub uri: String,
    pub title: String,
    pub category: String,
    pub services: Vec<String>,
    pub summary: String,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error(
        "`{uri}` is not a guide URI; use guide://<document-id> or guide://<document-id>#<section>"
    )]
    BadUri { uri: String },
    #[error("no document `{id}`{}", suggest(suggestions))]
    UnknownDocument {
        id: String,
        suggestions: Vec<String>,
    },
    #[error("document `{id}` has no section `{slug}`; its sections are: {}", available.join(", "))]
    UnknownSection {
        id: String,
        slug: String,
        available: Vec<String>,
    },
    #[error("max_chars must be between {MIN_MAX_CHARS} and {MAX_MAX_CHARS}, got {0}")]
    MaxChars(usize),
    #[error("offset {offset} is past the end ({total} characters)")]
    Offset { offset: usize, total: usize },
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        "; list the documents with list_guidance (CLI: `serverless-guide list`)".into()
    } else {
        format!(
            "; did you mean {}?",
            s.iter()
                .map(|i| format!("guide://{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Checks category/service filters against the vocabulary; the message lists the valid values.
pub fn check_filters(category: Option<&str>, service: Option<&str>) -> Result<(), String> {
    use super::{CATEGORIES, SERVICES};
    if let Some(c) = category.filter(|c| !CATEGORIES.contains(c)) {
        return Err(format!(
            "unknown category `{c}`; use one of: {}",
            CATEGORIES.join(", ")
        ));
    }
    if let Some(s) = service.filter(|s| !SERVICES.contains(s)) {
        return Err(format!(
            "unknown service `{s}`; use one of: {}",
            SERVICES.join(", ")
        ));
    }
    Ok(())
}

/// Splits `guide://id#slug` (or a bare `id`, `id#slug`) into its parts.
pub fn parse_guide_uri(uri: &str) -> Result<(String, Option<String>), ReadError> {
    let trimmed = uri.trim();
    let rest = match trimmed.split_once("://") {
        Some(("guide", rest)) => rest,
        Some(_) => {
            return Err(ReadError::BadUri {
                uri: uri.to_string(),
            });
        }
        None => trimmed,
    };
    let (id, slug) = match rest.split_once('#') {
        Some((id, slug)) => (id, Some(slug.to_string()).filter(|s| !s.is_empty())),
        None => (rest, None),
    };
    let id = id.trim_end_matches('/');
    if id.is_empty() || id.contains('/') || id.contains("..") {
        return Err(ReadError::BadUri {
            uri: uri.to_string(),
        });
    }
    Ok((id.to_string(), slug))
}

/// Reads one page of a document or of one of its sections. Offsets count characters.
pub fn read(
    library: &Library,
    uri: &str,
    offset: usize,
    max_chars: Option<usize>,
) -> Result<ReadResult, ReadError> {
    let max_chars = max_chars.unwrap_or(DEFAULT_MAX_CHARS);
    if !(MIN_MAX_CHARS..=MAX_MAX_CHARS).contains(&max_chars) {
        return Err(ReadError::MaxChars(max_chars));
    }
    let (id, slug) = parse_guide_uri(uri)?;
    let doc = library.get(&id).ok_or_else(|| ReadError::UnknownDocument {
        suggestions: library.suggest(&id, 3),
        id: id.clone(),
    })?;
    let (full, title, norm_uri) = match &slug {
        None => (doc.body.trim(), doc.meta.title.clone(), doc.uri()),
        Some(slug) => {
            let s = doc.section(slug).ok_or_else(|| ReadError::UnknownSection {
                id: doc.meta.id.clone(),
                slug: slug.clone(),
                available: doc
                    .sections
                    .iter()
                    .filter(|s| !s.slug.is_empty())
                    .map(|s| s.slug.clone())
                    .collect(),
            })?;
            (
                s.markdown.as_str(),
                format!("{} — {}", doc.meta.title, s.heading),
                format!("{}#{}", doc.uri(), s.slug),
            )
        }
    };
    let total = full.chars().count();
    if offset > total || (offset == total && total > 0) {
        return Err(ReadError::Offset { offset, total });
    }
    let markdown: String = full.chars().skip(offset).take(max_chars).collect();
    let end = offset + markdown.chars().count();
    let related = doc
        .meta
        .related
        .iter()
        .filter_map(|r| library.get(r))
        .map(|d| GuideLink {
            uri: d.uri(),
            title: d.meta.title.clone(),
        })
        .collect();
    Ok(ReadResult {
        uri: norm_uri,
        title,
        markdown,
        next_offset: (end < total).then_some(end),
        total_chars: total,
        related,
        sections: doc
            .sections
            .iter()
            .filter(|s| !s.slug.is_empty())
            .map(|s| format!("{}#{}", doc.uri(), s.slug))
            .collect(),
    })
}

/// Lists documents, optionally only one category and/or service, sorted by category then id.
pub fn list(library: &Library, category: Option<&str>, service: Option<&str>) -> Vec<DocSummary> {
    let mut out: Vec<DocSummary> = library
        .documents()
        .iter()
        .filter(|d| category.is_none_or(|c| d.meta.category == c))
        .filter(|d| service.is_none_or(|s| d.meta.services.iter().any(|x| x == s)))
        .map(|d| DocSummary {
            uri: d.uri(),
            title: d.meta.title.clone(),
            category: d.meta.category.clone(),
            services: d.meta.services.clone(),
            summary: d.meta.summary.clone(),
        })
        .collect();
    let rank = |c: &str| {
        super::CATEGORIES
            .iter()
            .position(|x| *x == c)
            .unwrap_or(usize::MAX)
    };
    out.sort_by(|a, b| {
        rank(&a.category)
            .cmp(&rank(&b.category))
            .then(a.uri.cmp(&b.uri))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::parse_document;

    fn lib() -> Library {
        let body = "x".repeat(500);
        let a = parse_document(
            "a.md",
            &format!("---\nid: alpha\ntitle: Alpha\ncategory: security\nservices: [iam]\nsummary: A.\nrelated: [beta, missing]\nlast_reviewed: 2026-01-01\n---\n# Alpha\n\nIntro é.\n\n## Part one\n\n{body}\n"),
            true,
        )
        .unwrap();
        let b = parse_document(
            "b.md",
            "---\nid: beta\ntitle: Beta\ncategory: principles\nsummary: B.\nlast_reviewed: 2026-01-01\n---\n# Beta\n\nText.\n",
            true,
        )
        .unwrap();
        Library::from_documents(vec![a, b], vec![])
    }

    #[test]
    fn parses_uris() {
        assert_eq!(
            parse_guide_uri("guide://a#b").unwrap(),
            ("a".into(), Some("b".into()))
        );
        assert_eq!(parse_guide_uri("a").unwrap(), ("a".into(), None));
        assert!(parse_guide_uri("rule://x").is_err());
        assert!(parse_guide_uri("guide://../etc/passwd").is_err());
        assert!(parse_guide_uri("guide://").is_err());
    }

    #[test]
    fn pages_by_characters_until_the_end() {
        let lib = lib();
        let first = read(&lib, "guide://alpha", 0, Some(200)).unwrap();
        assert_eq!(first.markdown.chars().count(), 200);
        assert_eq!(
            first.related,
            vec![GuideLink {
                uri: "guide://beta".into(),
                title: "Beta".into()
            }]
        );
        let mut offset = first.next_offset.unwrap();
        let mut text = first.markdown;
        while let Some(page) = Some(read(&lib, "guide://alpha", offset, Some(200)).unwrap()) {
            text.push_str(&page.markdown);
            match page.next_offset {
                Some(n) => offset = n,
                None => break,
            }
        }
        assert_eq!(text, lib.get("alpha").unwrap().body.trim());
        assert!(matches!(
            read(&lib, "alpha", 10_000, None),
            Err(ReadError::Offset { .. })
        ));
        assert!(matches!(
            read(&lib, "alpha", 0, Some(5)),
            Err(ReadError::MaxChars(5))
        ));
    }

    #[test]
    fn sections_and_unknowns() {
        let lib = lib();
        let s = read(&lib, "guide://alpha#part-one", 0, None).unwrap();
        assert!(s.markdown.starts_with("## Part one"));
        assert_eq!(s.next_offset, None);
        let err = read(&lib, "guide://alpah", 0, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean guide://alpha"), "{err}");
        let err = read(&lib, "guide://alpha#nope", 0, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("part-one"), "{err}");
    }

    #[test]
    fn lists_with_filters_in_category_order() {
        let lib = lib();
        let all = list(&lib, None, None);
        assert_eq!(
            all.iter().map(|d| d.uri.as_str()).collect::<Vec<_>>(),
            ["guide://beta", "guide://alpha"]
        );
        assert_eq!(list(&lib, Some("security"), None).len(), 1);
        assert_eq!(list(&lib, None, Some("iam")).len(), 1);
        assert!(list(&lib, None, Some("sqs")).is_empty());
    }
}
