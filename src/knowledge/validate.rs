//! Checks a knowledge set beyond what loading checks: cross-references, code
//! blocks (language tags; TypeScript/JavaScript/Python must parse), links,
//! the service vocabulary, and the relevance-evaluation file.

use std::collections::HashSet;

use ast_grep_core::tree_sitter::LanguageExt;
use ast_grep_language::SupportLang;
use serde::Serialize;

use super::{Document, KnowledgeError, KnowledgeSources, Library, SERVICES, read::parse_guide_uri};

/// One problem, with where it is.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Problem {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl Problem {
    /// A loading error, with its file and line where it has them.
    pub fn from_error(e: &KnowledgeError) -> Self {
        match e {
            KnowledgeError::FrontMatter {
                path,
                line,
                message,
            } => Self {
                path: path.clone(),
                line: *line,
                message: format!("front matter: {message}"),
            },
            KnowledgeError::Invalid {
                path,
                line,
                message,
            } => Self {
                path: path.clone(),
                line: *line,
                message: message.clone(),
            },
            KnowledgeError::Io { path, message } => Self {
                path: path.clone(),
                line: 0,
                message: message.clone(),
            },
            KnowledgeError::DuplicateId { second, .. } => Self {
                path: second.clone(),
                line: 1,
                message: e.to_string(),
            },
        }
    }

    /// A problem whose message already names where it is (or that has no file).
    pub fn general(message: impl Into<String>) -> Self {
        Self {
            path: String::new(),
            line: 0,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.path.is_empty(), self.line) {
            (true, _) => write!(f, "{}", self.message),
            (false, 0) => write!(f, "{}: {}", self.path, self.message),
            (false, line) => write!(f, "{}:{line}: {}", self.path, self.message),
        }
    }
}

/// Ids that other parts of the knowledge define (rules, scaffolds), for cross-reference checks.
#[derive(Debug, Default, Clone)]
pub struct KnownIds {
    /// `None` when rules are not loaded (the check is skipped).
    pub rules: Option<HashSet<String>>,
    pub scaffolds: Option<HashSet<String>>,
}

/// Language tags accepted on fenced code blocks.
pub const CODE_LANGUAGES: &[&str] = &[
    "typescript",
    "ts",
    "tsx",
    "javascript",
    "js",
    "python",
    "py",
    "yaml",
    "yml",
    "json",
    "bash",
    "sh",
    "shell",
    "text",
    "sql",
    "toml",
    "ini",
    "dockerfile",
    "http",
    "graphql",
    "diff",
    "vtl",
    "markdown",
    "console",
];

/// Parses `code` with the tree-sitter grammar for `lang`; returns the 1-based line and
/// column of the first syntax error, if any. Other languages are not parsed.
pub fn syntax_error(lang: &str, code: &str) -> Option<(usize, usize)> {
    let grammar = match lang {
        "typescript" | "ts" => SupportLang::TypeScript,
        "tsx" => SupportLang::Tsx,
        // The TypeScript grammar is a superset that parses plain JavaScript.
        "javascript" | "js" => SupportLang::TypeScript,
        "python" | "py" => SupportLang::Python,
        _ => return None,
    };
    let tree = grammar.ast_grep(code);
    let root = tree.root();
    root.dfs()
        .find(|n| n.is_error() || n.is_missing())
        .map(|n| {
            let p = n.start_pos();
            (p.line() + 1, p.column(&n) + 1)
        })
}

fn check_document(doc: &Document, lib: &Library, known: &KnownIds, out: &mut Vec<Problem>) {
    let mut problem = |line: usize, message: String| {
        out.push(Problem {
            path: doc.path.clone(),
            line,
            message,
        });
    };
    let m = &doc.meta;
    for s in &m.services {
        if !SERVICES.contains(&s.as_str()) {
            problem(
                doc.field_line("services"),
                format!(
                    "service `{s}` is not in the vocabulary ({})",
                    SERVICES.join(", ")
                ),
            );
        }
    }
    if m.sources.is_empty() {
        problem(
            doc.field_line("sources"),
            "sources is empty: list the AWS documentation pages the facts come from".into(),
        );
    }
    for src in &m.sources {
        if !src.starts_with("https://") {
            problem(
                doc.field_line("sources"),
                format!("source `{src}` must be an https:// URL"),
            );
        }
    }
    for r in &m.related {
        if lib.get(r).is_none() {
            problem(
                doc.field_line("related"),
                format!("related id `{r}` does not exist"),
            );
        }
        if r == &m.id {
            problem(
                doc.field_line("related"),
                "a document cannot be related to itself".into(),
            );
        }
    }
    if let Some(rules) = &known.rules {
        for r in m.rules.iter().filter(|r| !rules.contains(*r)) {
            problem(
                doc.field_line("rules"),
                format!("rule id `{r}` does not exist"),
            );
        }
    }
    if let Some(scaffolds) = &known.scaffolds {
        for s in m.scaffolds.iter().filter(|s| !scaffolds.contains(*s)) {
            problem(
                doc.field_line("scaffolds"),
                format!("scaffold id `{s}` does not exist"),
            );
        }
    }
    for section in &doc.sections {
        for block in &section.code {
            if block.language.is_empty() {
                problem(block.line, "code block has no language tag (```typescript, ```python, ```yaml, ```bash, ...)".into());
            } else if !CODE_LANGUAGES.contains(&block.language.as_str()) {
                problem(
                    block.line,
                    format!(
                        "code block language `{}` is not one of: {}",
                        block.language,
                        CODE_LANGUAGES.join(", ")
                    ),
                );
            } else if let Some((line, col)) = syntax_error(&block.language, &block.code) {
                problem(
                    block.line + line,
                    format!(
                        "{} block does not parse: syntax error at line {line}, column {col} of the block",
                        block.language
                    ),
                );
            }
        }
    }
    for (link, line) in &doc.links {
        if link.starts_with("guide://") {
            if let Some(why) = guide_uri_problem(lib, link) {
                problem(*line, format!("link {link}: {why}"));
            }
        } else if let Some(id) = link.strip_prefix("rule://") {
            if known.rules.as_ref().is_some_and(|r| !r.contains(id)) {
                problem(*line, format!("link {link}: no rule `{id}`"));
            }
        } else if let Some(id) = link.strip_prefix("scaffold://")
            && known.scaffolds.as_ref().is_some_and(|s| !s.contains(id))
        {
            problem(*line, format!("link {link}: no scaffold `{id}`"));
        }
    }
}

/// Why `uri` (`guide://id` or `guide://id#section`) does not lead to a document
/// (and section) of `lib`, or `None` when it does. Links in documents and rules'
/// `guidance_uri` are checked with it alike.
pub fn guide_uri_problem(lib: &Library, uri: &str) -> Option<String> {
    match parse_guide_uri(uri) {
        Err(_) => Some("not a valid guide://<id>[#<section>] URI".into()),
        Ok((id, slug)) => match lib.get(&id) {
            None => Some(format!("no document `{id}`")),
            Some(doc) => slug
                .filter(|s| doc.section(s).is_none())
                .map(|s| format!("document `{id}` has no section `{s}`")),
        },
    }
}

/// One question of the relevance evaluation.
#[derive(Debug, Clone, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EvalQuery {
    pub query: String,
    /// Acceptable document ids, best first.
    pub expected: Vec<String>,
    /// 1-based line of the query in its file (filled in after parsing).
    #[serde(skip)]
    pub line: usize,
}

/// Reads `eval/*.yaml` from the sources (may be empty).
pub fn load_eval(sources: &KnowledgeSources) -> Result<Vec<(String, EvalQuery)>, Problem> {
    let mut out = Vec::new();
    let files = sources
        .files("eval/", &[".yaml", ".yml"])
        .map_err(|e| Problem {
            path: "eval/".into(),
            line: 1,
            message: e.to_string(),
        })?;
    for f in files {
        let text = f.text().map_err(|e| Problem {
            path: f.display.clone(),
            line: 1,
            message: e.to_string(),
        })?;
        let mut qs: Vec<EvalQuery> = yaml_serde::from_str(text).map_err(|e| Problem {
            path: f.display.clone(),
            line: e.location().map(|l| l.line() + 1).unwrap_or(1),
            message: format!(
                "evaluation queries must be a list of {{query, expected: [ids]}}: {e}"
            ),
        })?;
        // The YAML parser keeps no positions in the values: find each query's line by its text,
        // scanning forward so repeated wording still maps to successive lines.
        let lines: Vec<&str> = text.lines().collect();
        let mut from = 0;
        for q in &mut qs {
            if let Some(i) = (from..lines.len()).find(|&i| {
                lines.get(i).is_some_and(|l| {
                    l.trim_start().starts_with("- query:") && l.contains(q.query.as_str())
                })
            }) {
                q.line = i + 1;
                from = i + 1;
            }
        }
        out.extend(qs.into_iter().map(|q| (f.display.clone(), q)));
    }
    Ok(out)
}

/// Every problem in the knowledge set (empty = valid). Loading errors (front
/// matter, duplicate ids) come from [`Library::load`] before this runs.
pub fn validate(lib: &Library, sources: &KnowledgeSources, known: &KnownIds) -> Vec<Problem> {
    let mut out = Vec::new();
    for doc in lib.documents() {
        check_document(doc, lib, known, &mut out);
    }
    match load_eval(sources) {
        Ok(queries) => {
            for (path, q) in queries {
                for id in q.expected.iter().filter(|id| lib.get(id).is_none()) {
                    out.push(Problem {
                        path: path.clone(),
                        line: q.line,
                        message: format!("query {:?} expects unknown document `{id}`", q.query),
                    });
                }
                if q.expected.is_empty() {
                    out.push(Problem {
                        path: path.clone(),
                        line: q.line,
                        message: format!("query {:?} has no expected document", q.query),
                    });
                }
            }
        }
        Err(p) => out.push(p),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_are_found_in_ts_js_and_python() {
        assert_eq!(syntax_error("typescript", "const a: number = 1;\n"), None);
        assert!(syntax_error("typescript", "const a = ;\n").is_some());
        assert_eq!(syntax_error("python", "def f(x):\n    return x\n"), None);
        assert_eq!(
            syntax_error("python", "def f(x)\n    return x\n").map(|p| p.0),
            Some(1)
        );
        assert_eq!(
            syntax_error("javascript", "export const h = async (e) => e;\n"),
            None
        );
        assert_eq!(syntax_error("yaml", "a: [b"), None, "YAML is not parsed");
    }

    #[test]
    fn cross_references_code_and_links_are_checked() {
        let src = "---\nid: a\ntitle: A\ncategory: security\nservices: [lambda, ec2]\nsummary: s\nrelated: [nope]\nrules: [no-such-rule]\nlast_reviewed: 2026-01-01\n---\n# A\n\n## Part\n\nSee [x](guide://a#part) and [y](guide://a#missing) and [z](guide://zzz).\n\n```\nuntagged\n```\n\n```python\ndef broken(:\n```\n";
        let doc = super::super::parse_document("a.md", src, false).unwrap();
        let lib = Library::from_documents(vec![doc], vec![]);
        let known = KnownIds {
            rules: Some(HashSet::new()),
            scaffolds: None,
        };
        let problems = validate(&lib, &KnowledgeSources::empty(), &known);
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        let want = [
            "service `ec2`",
            "sources is empty",
            "related id `nope`",
            "rule id `no-such-rule`",
            "no language tag",
            "python block does not parse",
            "has no section `missing`",
            "no document `zzz`",
        ];
        for w in want {
            assert!(
                text.iter().any(|t| t.contains(w)),
                "missing {w:?} in {text:#?}"
            );
        }
        assert_eq!(problems.len(), want.len(), "{text:#?}");
        assert!(
            text.iter().any(|t| t.starts_with("a.md:15:")),
            "links carry their line: {text:#?}"
        );
    }
}
