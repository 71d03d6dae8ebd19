//! The knowledge base as an agent skill (a folder with `SKILL.md` and
//! reference files): served over MCP's skills extension and written to disk by
//! `export-skill`. `SKILL.md` is written by hand (`knowledge/skill/SKILL.md`);
//! the references are generated from the documents, rules and scaffolds.

use std::fmt::Write as _;
use std::path::{Component, Path};

use crate::knowledge::read::parse_guide_uri;
use crate::knowledge::{CATEGORIES, KnowledgeError, KnowledgeSources};
use crate::snapshot::Snapshot;

/// The skill's name: its folder and the `name` in `SKILL.md`.
pub const SKILL_NAME: &str = "aws-serverless-eda";
const SKILL_MD: &str = "skill/SKILL.md";

/// One file of the skill, at a relative path inside the skill folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// The whole skill: `SKILL.md` first, then the references in path order.
#[derive(Debug, Clone)]
pub struct SkillBundle {
    pub name: String,
    pub description: String,
    pub files: Vec<SkillFile>,
}

#[derive(Debug, thiserror::Error)]
pub enum SkillError {
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

impl SkillBundle {
    /// Builds the skill from a snapshot (the `SKILL.md` comes from its sources).
    pub fn build(snapshot: &Snapshot) -> Result<Self, SkillError> {
        let skill_md = read_skill_md(&snapshot.sources)?;
        let (name, description) = front_matter(&skill_md)?;
        let mut files = vec![SkillFile {
            path: "SKILL.md".into(),
            bytes: skill_md.into_bytes(),
        }];
        files.push(SkillFile {
            path: "references/INDEX.md".into(),
            bytes: index(snapshot).into_bytes(),
        });
        for doc in snapshot.library.documents() {
            let mut text = format!(
                "<!-- {} ({}), from serverless-guide; last reviewed {} -->\n",
                doc.uri(),
                doc.meta.category,
                doc.meta.last_reviewed
            );
            text.push_str(doc.body.trim_start());
            if !doc.meta.sources.is_empty() {
                text.push_str("\n\n## Sources\n\n");
                for s in &doc.meta.sources {
                    let _ = writeln!(text, "- {s}");
                }
            }
            files.push(SkillFile {
                path: format!("references/{}/{}.md", doc.meta.category, doc.meta.id),
                bytes: text.into_bytes(),
            });
        }
        files.push(SkillFile {
            path: "references/review-rules.md".into(),
            bytes: rules_reference(snapshot).into_bytes(),
        });
        files.push(SkillFile {
            path: "references/scaffolds.md".into(),
            bytes: scaffolds_reference(snapshot).into_bytes(),
        });
        // SKILL.md stays first; the references follow in path order.
        if let Some(references) = files.get_mut(1..) {
            references.sort_by(|a, b| a.path.cmp(&b.path));
        }
        Ok(Self {
            name,
            description,
            files,
        })
    }

    pub fn file(&self, path: &str) -> Option<&SkillFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Writes the skill to `dir/<name>/`. Refuses to replace an existing,
    /// non-empty folder unless `force` (then only the skill's files are written).
    pub fn write_to(&self, dir: &Path, force: bool) -> Result<Vec<String>, SkillError> {
        let root = dir.join(&self.name);
        let io = |path: &Path, e: std::io::Error| SkillError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        if !force
            && root.is_dir()
            && std::fs::read_dir(&root)
                .map_err(|e| io(&root, e))?
                .next()
                .is_some()
        {
            return Err(SkillError::Invalid(format!(
                "{} already exists and is not empty; pass --force to overwrite the skill's files",
                root.display()
            )));
        }
        let mut written = Vec::new();
        for f in &self.files {
            // Paths are generated from ids and categories, which loading restricts; check anyway.
            let rel = Path::new(&f.path);
            if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
                return Err(SkillError::Invalid(format!("unsafe skill path {}", f.path)));
            }
            let path = root.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            std::fs::write(&path, &f.bytes).map_err(|e| io(&path, e))?;
            written.push(path.display().to_string());
        }
        Ok(written)
    }
}

/// Checks `SKILL.md` when the sources have one (a team knowledge set may leave it out).
pub fn check(sources: &KnowledgeSources) -> Result<(), SkillError> {
    match sources.read(SKILL_MD)? {
        Some(file) => front_matter(file.text()?).map(|_| ()),
        None => Ok(()),
    }
}

fn read_skill_md(sources: &KnowledgeSources) -> Result<String, SkillError> {
    let file = sources.read(SKILL_MD)?.ok_or_else(|| {
        SkillError::Invalid(format!(
            "{SKILL_MD} is missing from the knowledge (it is part of the built-in knowledge; with --no-builtin, add one to your --knowledge directory)"
        ))
    })?;
    Ok(file.text()?.to_string())
}

/// `name` and `description` from the YAML front matter of `SKILL.md`.
fn front_matter(text: &str) -> Result<(String, String), SkillError> {
    #[derive(serde::Deserialize)]
    struct Head {
        name: String,
        description: String,
    }
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---"))
        .map(|(yaml, _)| yaml)
        .ok_or_else(|| {
            SkillError::Invalid(format!(
                "{SKILL_MD} must start with YAML front matter between --- lines"
            ))
        })?;
    let head: Head = yaml_serde::from_str(body).map_err(|e| {
        SkillError::Invalid(format!(
            "{SKILL_MD}: front matter needs `name` and `description`: {e}"
        ))
    })?;
    if head.name != SKILL_NAME {
        return Err(SkillError::Invalid(format!(
            "{SKILL_MD}: name must be `{SKILL_NAME}`, found `{}`",
            head.name
        )));
    }
    Ok((head.name, head.description))
}

fn index(snapshot: &Snapshot) -> String {
    let mut out = String::from(
        "# Index of the references\n\nEvery document, by category, with what it answers. Paths are relative to this file.\n",
    );
    for category in CATEGORIES {
        let docs: Vec<_> = snapshot
            .library
            .documents()
            .iter()
            .filter(|d| d.meta.category == *category)
            .collect();
        if docs.is_empty() {
            continue;
        }
        let _ = write!(out, "\n## {category}\n\n");
        for d in docs {
            let _ = writeln!(
                out,
                "- [{}]({category}/{}.md): {}",
                d.meta.title, d.meta.id, d.meta.summary
            );
        }
    }
    out.push_str("\nAlso: [review rules](review-rules.md), [scaffold patterns](scaffolds.md).\n");
    out
}

fn rules_reference(snapshot: &Snapshot) -> String {
    let mut out = String::from(
        "# Review rules\n\nThe anti-patterns `serverless-guide review` detects, by id. Check new code against them.\n\n| id | severity | what it finds | guidance |\n|---|---|---|---|\n",
    );
    for r in snapshot.rules.rules() {
        let guidance = parse_guide_uri(&r.guidance_uri)
            .map(|(id, _)| id)
            .unwrap_or_default();
        let category = snapshot
            .library
            .get(&guidance)
            .map(|d| d.meta.category.clone())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | [{guidance}]({category}/{guidance}.md) |",
            r.id,
            r.severity.as_str(),
            r.message.replace('|', "\\|").replace('\n', " ")
        );
    }
    out
}

fn scaffolds_reference(snapshot: &Snapshot) -> String {
    let mut out = String::from(
        "# Scaffold patterns\n\nComplete CDK apps (TypeScript or Python) that `serverless-guide scaffold PATTERN` generates.\n",
    );
    for s in snapshot.scaffolds.list() {
        let _ = write!(
            out,
            "\n## {} (`{}`)\n\n{}\n\nServices: {}.\n",
            s.title,
            s.id,
            s.summary,
            s.services.join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_needs_the_skill_name() {
        assert!(front_matter("---\nname: aws-serverless-eda\ndescription: d\n---\nbody").is_ok());
        let err = front_matter("---\nname: other\ndescription: d\n---\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("name must be"), "{err}");
        assert!(front_matter("no front matter").is_err());
    }
}
