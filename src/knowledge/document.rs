//! One markdown document: front matter + sections.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use super::KnowledgeError;

/// The categories a document can belong to (specs/knowledge.md).
pub const CATEGORIES: &[&str] = &[
    "principles",
    "event-driven",
    "serverless",
    "reliability",
    "security",
    "observability",
    "performance",
    "deployment",
];

/// The service vocabulary (specs/knowledge.md).
pub const SERVICES: &[&str] = &[
    "lambda",
    "api-gateway",
    "sqs",
    "sns",
    "eventbridge",
    "eventbridge-scheduler",
    "eventbridge-pipes",
    "step-functions",
    "dynamodb",
    "kinesis",
    "firehose",
    "s3",
    "iam",
    "kms",
    "secrets-manager",
    "ssm",
    "cloudwatch",
    "x-ray",
    "appconfig",
    "codedeploy",
    "codepipeline",
    "cognito",
    "waf",
    "vpc",
    "rds-proxy",
    "elasticache",
    "appsync",
    "cdk",
    "sam",
    "cloudformation",
];

/// The YAML front matter of a document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub id: String,
    pub title: String,
    pub category: String,
    #[serde(default)]
    pub services: Vec<String>,
    pub summary: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub related: Vec<String>,
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub scaffolds: Vec<String>,
    pub last_reviewed: String,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A fenced code block inside a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeBlock {
    /// First token of the info string (`typescript`, `python`, ...); empty when untagged.
    pub language: String,
    pub code: String,
    /// 1-based line of the opening fence in the file.
    pub line: usize,
}

/// A part of a document that starts at a `##` or `###` heading (or the
/// preamble before the first one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Heading texts from the document title down to this section.
    pub heading_path: Vec<String>,
    /// This section's heading text (the document title for the preamble).
    pub heading: String,
    /// Unique within the document; the preamble's slug is empty.
    pub slug: String,
    /// 1 for the preamble, 2 or 3 for `##` / `###`.
    pub level: u8,
    /// Plain text of the prose (no markup, no code).
    pub text: String,
    /// The section's markdown source, heading included.
    pub markdown: String,
    pub code: Vec<CodeBlock>,
    /// 1-based line of the heading in the file.
    pub line: usize,
}

/// A parsed knowledge document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub meta: FrontMatter,
    /// Where it was read from, for messages (`builtin:guides/...` or a path).
    pub path: String,
    /// True for the built-in knowledge.
    pub builtin: bool,
    /// The markdown after the front matter.
    pub body: String,
    pub sections: Vec<Section>,
    /// Links to other knowledge (`guide://id[#slug]`) with their 1-based line.
    pub links: Vec<(String, usize)>,
    /// 1-based file line of each top-level front matter key, for messages.
    #[serde(skip)]
    pub field_lines: Vec<(String, usize)>,
}

impl Document {
    pub fn id(&self) -> &str {
        &self.meta.id
    }
    pub fn uri(&self) -> String {
        format!("guide://{}", self.meta.id)
    }
    pub fn section(&self, slug: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.slug == slug)
    }
}

/// Lowercase kebab-case slug of a heading: letters and digits kept, every other
/// run of characters becomes one `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
        && matches!(s.get(5..7).and_then(|m| m.parse::<u8>().ok()), Some(1..=12))
        && matches!(
            s.get(8..10).and_then(|d| d.parse::<u8>().ok()),
            Some(1..=31)
        )
}

/// Splits `---\nyaml\n---\n` off the start of `src`. Front matter is accepted only
/// at the very start of the file (a `---` block later is ordinary markdown).
/// Returns (yaml, body, line number of the body's first line).
fn split_front_matter<'a>(
    path: &str,
    src: &'a str,
) -> Result<(&'a str, &'a str, usize), KnowledgeError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let rest = src
        .strip_prefix("---\n")
        .or_else(|| src.strip_prefix("---\r\n"))
        .ok_or_else(|| KnowledgeError::FrontMatter {
            path: path.to_string(),
            line: 1,
            message: "the file must start with a `---` line that opens the YAML front matter"
                .into(),
        })?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let yaml = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let body_line = 2 + yaml.lines().count() + 1;
            return Ok((yaml, body, body_line));
        }
        offset += line.len();
    }
    Err(KnowledgeError::FrontMatter {
        path: path.to_string(),
        line: 1,
        message: "the front matter is not closed: add a `---` line after it".into(),
    })
}

/// The file line of each top-level key of the front matter (which starts on line 2).
fn field_lines(yaml: &str) -> Vec<(String, usize)> {
    yaml.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let (key, _) = line.split_once(':')?;
            let plain = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            plain.then(|| (key.to_string(), i + 2))
        })
        .collect()
}

impl Document {
    /// The file line of a front matter key (1 when it is not written out).
    pub fn field_line(&self, key: &str) -> usize {
        self.field_lines
            .iter()
            .find(|(k, _)| k == key)
            .map_or(1, |(_, l)| *l)
    }
}

fn check_front_matter(path: &str, yaml: &str, fm: &FrontMatter) -> Result<(), KnowledgeError> {
    let lines = field_lines(yaml);
    let line_of = |key: &str| lines.iter().find(|(k, _)| k == key).map_or(1, |(_, l)| *l);
    let bad_at = |key: &str, message: String| KnowledgeError::FrontMatter {
        path: path.to_string(),
        line: line_of(key),
        message,
    };
    let bad = |message: String| bad_at("id", message);
    if !is_kebab(&fm.id) {
        return Err(bad(format!(
            "id `{}` must be kebab-case (lowercase letters, digits and single dashes)",
            fm.id
        )));
    }
    if fm.title.trim().is_empty() {
        return Err(bad_at("title", "title must not be empty".into()));
    }
    if !CATEGORIES.contains(&fm.category.as_str()) {
        return Err(bad_at(
            "category",
            format!(
                "category `{}` is not one of: {}",
                fm.category,
                CATEGORIES.join(", ")
            ),
        ));
    }
    if fm.summary.trim().is_empty() {
        return Err(bad_at("summary", "summary must not be empty".into()));
    }
    if !is_date(&fm.last_reviewed) {
        return Err(bad_at(
            "last_reviewed",
            format!(
                "last_reviewed `{}` must be a date written YYYY-MM-DD",
                fm.last_reviewed
            ),
        ));
    }
    for alias in &fm.aliases {
        if !is_kebab(alias) {
            return Err(bad_at(
                "aliases",
                format!("alias `{alias}` must be kebab-case"),
            ));
        }
    }
    Ok(())
}

/// Byte offset -> 1-based line, computed once per document.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(s: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(s.match_indices('\n').map(|(i, _)| i + 1));
        Self(starts)
    }
    fn line(&self, offset: usize) -> usize {
        match self.0.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

struct Builder {
    heading_path: Vec<String>,
    heading: String,
    level: u8,
    start: usize,
    line: usize,
    text: String,
    code: Vec<CodeBlock>,
}

impl Builder {
    fn push_text(&mut self, t: &str) {
        self.text.push_str(t);
    }
    fn break_line(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }
}

/// Parses one document. `path` is only used in messages.
pub fn parse_document(path: &str, src: &str, builtin: bool) -> Result<Document, KnowledgeError> {
    let (yaml, body, body_line) = split_front_matter(path, src)?;
    let meta: FrontMatter =
        yaml_serde::from_str(yaml).map_err(|e| KnowledgeError::FrontMatter {
            path: path.to_string(),
            line: e.location().map(|l| l.line() + 1).unwrap_or(1),
            message: e.to_string(),
        })?;
    check_front_matter(path, yaml, &meta)?;

    let lines = LineIndex::new(body);
    let line_of = |offset: usize| lines.line(offset) + body_line - 1;
    let opts =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut sections = Vec::new();
    let mut links = Vec::new();
    let mut cur = Builder {
        heading_path: vec![meta.title.clone()],
        heading: meta.title.clone(),
        level: 1,
        start: 0,
        line: body_line,
        text: String::new(),
        code: Vec::new(),
    };
    let mut in_heading: Option<(u8, usize, String)> = None;
    let mut in_code: Option<(String, usize, String)> = None;
    let mut slugs: Vec<String> = Vec::new();
    // Open `##`/`###` headings above the current position.
    let mut stack: Vec<(u8, String)> = Vec::new();

    let finish = |b: Builder, end: usize, sections: &mut Vec<Section>, slugs: &mut Vec<String>| {
        let markdown = body
            .get(b.start..end)
            .unwrap_or_default()
            .trim()
            .to_string();
        let slug = if b.level == 1 {
            String::new()
        } else {
            let base = slugify(&b.heading);
            let base = if base.is_empty() {
                "section".to_string()
            } else {
                base
            };
            let mut slug = base.clone();
            let mut n = 2;
            while slugs.contains(&slug) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            slugs.push(slug.clone());
            slug
        };
        // An empty preamble (only the `# Title`) is not worth a section.
        if b.level == 1 && b.text.trim().is_empty() && b.code.is_empty() {
            return;
        }
        sections.push(Section {
            heading_path: b.heading_path,
            heading: b.heading,
            slug,
            level: b.level,
            text: b.text.trim().to_string(),
            markdown,
            code: b.code,
            line: b.line,
        });
    };

    for (event, range) in Parser::new_ext(body, opts).into_offset_iter() {
        if let Some((_, _, code)) = in_code.as_mut() {
            match event {
                Event::Text(t) => code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    if let Some((language, line, code)) = in_code.take() {
                        cur.code.push(CodeBlock {
                            language,
                            code,
                            line,
                        });
                    }
                }
                _ => {}
            }
            continue;
        }
        if let Some((_, _, text)) = in_heading.as_mut() {
            match event {
                Event::Text(t) | Event::Code(t) => {
                    text.push_str(&t);
                    continue;
                }
                Event::End(TagEnd::Heading(_)) => {}
                _ => continue,
            }
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let level = level as u8;
                in_heading = Some((level, range.start, String::new()));
            }
            Event::End(TagEnd::Heading(level)) => {
                let Some((lvl, start, text)) = in_heading.take() else {
                    continue;
                };
                let text = text.trim().to_string();
                if level == HeadingLevel::H2 || level == HeadingLevel::H3 {
                    while stack.last().is_some_and(|(l, _)| *l >= lvl) {
                        stack.pop();
                    }
                    stack.push((lvl, text.clone()));
                    let mut path = vec![meta.title.clone()];
                    path.extend(stack.iter().map(|(_, t)| t.clone()));
                    let next = Builder {
                        heading_path: path,
                        heading: text,
                        level: lvl,
                        start,
                        line: line_of(start),
                        text: String::new(),
                        code: Vec::new(),
                    };
                    let done = std::mem::replace(&mut cur, next);
                    finish(done, start, &mut sections, &mut slugs);
                } else if lvl == 1 {
                    // The `# Title` line: not content.
                } else {
                    cur.break_line();
                    cur.push_text(&text);
                    cur.break_line();
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split(|c: char| c.is_whitespace() || c == ',')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                in_code = Some((language, line_of(range.start), String::new()));
            }
            Event::Start(Tag::Link { dest_url, .. })
                if ["guide://", "rule://", "scaffold://"]
                    .iter()
                    .any(|scheme| dest_url.starts_with(scheme)) =>
            {
                links.push((dest_url.to_string(), line_of(range.start)));
            }
            Event::Text(t) | Event::Code(t) => cur.push_text(&t),
            Event::SoftBreak => cur.push_text(" "),
            Event::HardBreak => cur.push_text("\n"),
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead) => {
                cur.break_line()
            }
            Event::End(TagEnd::TableCell) => cur.push_text(" | "),
            _ => {}
        }
    }
    finish(cur, body.len(), &mut sections, &mut slugs);

    Ok(Document {
        meta,
        path: path.to_string(),
        builtin,
        body: body.to_string(),
        sections,
        links,
        field_lines: field_lines(yaml),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "---\nid: demo\ntitle: Demo doc\ncategory: reliability\nservices: [sqs]\nsummary: A demo.\nlast_reviewed: 2026-12-01\n---\n\n# Demo doc\n\nIntro text.\n\n## When to use\n\nUse it `often`.\n\n### Deep part\n\n```typescript\nconst a = 1;\n```\n\n## When to use\n\nAgain.\n\n---\nnot: front matter\n\n---\n";

    #[test]
    fn splits_sections_with_paths_slugs_and_code() {
        let d = parse_document("demo.md", DOC, true).unwrap();
        let slugs: Vec<_> = d.sections.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(slugs, ["", "when-to-use", "deep-part", "when-to-use-2"]);
        let deep = d.section("deep-part").unwrap();
        assert_eq!(deep.heading_path, ["Demo doc", "When to use", "Deep part"]);
        assert_eq!(deep.code.len(), 1);
        assert_eq!(deep.code[0].language, "typescript");
        assert_eq!(deep.code[0].code, "const a = 1;\n");
        assert_eq!(deep.line, 18);
        assert_eq!(deep.code[0].line, 20);
        assert_eq!(d.section("when-to-use").unwrap().text, "Use it often.");
        // A `---` block after the start stays in the body as text.
        assert!(
            d.section("when-to-use-2")
                .unwrap()
                .text
                .contains("not: front matter")
        );
    }

    #[test]
    fn front_matter_only_at_the_start() {
        let err = parse_document("x.md", "intro\n---\nid: x\n---\n", false).unwrap_err();
        assert!(matches!(err, KnowledgeError::FrontMatter { .. }), "{err}");
        assert!(err.to_string().starts_with("x.md:1: front matter"));
    }

    #[test]
    fn front_matter_errors_name_the_problem() {
        let cases = [
            (
                "---\nid: Bad_Id\ntitle: t\ncategory: security\nsummary: s\nlast_reviewed: 2026-01-01\n---\n",
                "kebab-case",
            ),
            (
                "---\nid: a\ntitle: t\ncategory: nope\nsummary: s\nlast_reviewed: 2026-01-01\n---\n",
                "category `nope`",
            ),
            (
                "---\nid: a\ntitle: t\ncategory: security\nsummary: s\nlast_reviewed: 2026-13-01\n---\n",
                "YYYY-MM-DD",
            ),
            (
                "---\nid: a\ntitle: t\ncategory: security\nsummary: s\nlast_reviewed: 2026-01-01\nextra: 1\n---\n",
                "unknown field `extra`",
            ),
            (
                "---\nid: a\ncategory: security\nsummary: s\nlast_reviewed: 2026-01-01\n---\n",
                "missing field `title`",
            ),
            ("---\nid: a\ntitle: t\n", "not closed"),
        ];
        for (src, want) in cases {
            let err = parse_document("f.md", src, false).unwrap_err().to_string();
            assert!(err.contains(want), "{err:?} should contain {want:?}");
            assert!(err.starts_with("f.md:"), "{err}");
        }
    }

    #[test]
    fn slugify_is_kebab() {
        assert_eq!(
            slugify("Visibility timeout & the function's timeout"),
            "visibility-timeout-the-function-s-timeout"
        );
        assert_eq!(slugify("  CDK (TypeScript) "), "cdk-typescript");
    }

    #[test]
    fn collects_guide_links() {
        let src = "---\nid: a\ntitle: t\ncategory: security\nsummary: s\nlast_reviewed: 2026-01-01\n---\nSee [x](guide://idempotency#checklist) and [y](https://aws.amazon.com).\n";
        let d = parse_document("a.md", src, false).unwrap();
        assert_eq!(
            d.links,
            vec![("guide://idempotency#checklist".to_string(), 8)]
        );
    }
}
