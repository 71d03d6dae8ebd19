//! The set of documents served: built-in documents merged with team layers.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Document, KnowledgeError, KnowledgeSources, parse_document};

/// All documents, merged by id (a later layer overrides an earlier one), sorted by id.
#[derive(Debug, Clone, Default)]
pub struct Library {
    docs: Vec<Arc<Document>>,
    by_id: HashMap<String, usize>,
    aliases: HashMap<String, String>,
    /// Human-readable notes about overrides, for the log.
    pub overrides: Vec<String>,
}

impl Library {
    /// Loads every `guides/**/*.md` from the sources. Fails on the first bad
    /// document; a duplicate id inside one layer is an error, across layers an override.
    pub fn load(sources: &KnowledgeSources) -> Result<Self, KnowledgeError> {
        let (lib, mut errors) = Self::load_collecting(sources);
        if errors.is_empty() {
            Ok(lib)
        } else {
            Err(errors.swap_remove(0))
        }
    }

    /// Like [`Library::load`], but goes on past bad documents (leaving them out)
    /// and returns every error, for `validate`.
    pub fn load_collecting(sources: &KnowledgeSources) -> (Self, Vec<KnowledgeError>) {
        let mut docs: Vec<Document> = Vec::new();
        let mut errors = Vec::new();
        let mut layer_of: HashMap<String, (usize, String)> = HashMap::new();
        let mut overrides = Vec::new();
        let files = match sources.files("guides/", &[".md"]) {
            Ok(files) => files,
            Err(e) => return (Self::default(), vec![e]),
        };
        for file in files {
            let layer = file.layer;
            let doc = match file
                .text()
                .and_then(|text| parse_document(&file.display, text, file.builtin))
            {
                Ok(doc) => doc,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let id = doc.meta.id.clone();
            match layer_of.get(&id) {
                Some((l, first)) if *l == layer => {
                    errors.push(KnowledgeError::DuplicateId {
                        id,
                        first: first.clone(),
                        second: doc.path.clone(),
                    });
                }
                Some((_, first)) => {
                    overrides.push(format!("{} overrides `{id}` from {first}", doc.path));
                    layer_of.insert(id.clone(), (layer, doc.path.clone()));
                    if let Some(slot) = docs.iter_mut().find(|d| d.meta.id == id) {
                        *slot = doc;
                    }
                }
                None => {
                    layer_of.insert(id, (layer, doc.path.clone()));
                    docs.push(doc);
                }
            }
        }
        (Self::from_documents(docs, overrides), errors)
    }

    /// Builds a library from parsed documents (ids must be unique).
    pub fn from_documents(mut docs: Vec<Document>, overrides: Vec<String>) -> Self {
        docs.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        let docs: Vec<Arc<Document>> = docs.into_iter().map(Arc::new).collect();
        let by_id = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.meta.id.clone(), i))
            .collect();
        let aliases = docs
            .iter()
            .flat_map(|d| {
                d.meta
                    .aliases
                    .iter()
                    .map(|a| (a.clone(), d.meta.id.clone()))
            })
            .collect();
        Self {
            docs,
            by_id,
            aliases,
            overrides,
        }
    }

    pub fn documents(&self) -> &[Arc<Document>] {
        &self.docs
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The document with this id or alias.
    pub fn get(&self, id: &str) -> Option<&Arc<Document>> {
        let id = self.aliases.get(id).map(String::as_str).unwrap_or(id);
        self.by_id.get(id).and_then(|&i| self.docs.get(i))
    }

    /// Ids that look like `id`, closest first: for "did you mean" messages.
    pub fn suggest(&self, id: &str, max: usize) -> Vec<String> {
        let mut scored: Vec<(f64, &str)> = self
            .docs
            .iter()
            .map(|d| {
                let cand = d.meta.id.as_str();
                let mut score = strsim::jaro_winkler(id, cand);
                if cand.contains(id) || id.contains(cand) {
                    score += 0.2;
                }
                (score, cand)
            })
            .filter(|(s, _)| *s > 0.6)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored
            .into_iter()
            .take(max)
            .map(|(_, c)| c.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &std::path::Path, rel: &str, id: &str, title: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            path,
            format!("---\nid: {id}\ntitle: {title}\ncategory: reliability\nsummary: s\nlast_reviewed: 2026-01-01\n---\n# {title}\n\nBody.\n"),
        )
        .unwrap();
    }

    #[test]
    fn later_layers_override_and_add() {
        let team = tempfile::tempdir().unwrap();
        write(
            team.path(),
            "guides/x/idempotency.md",
            "idempotency",
            "Team idempotency",
        );
        write(
            team.path(),
            "guides/x/team-only.md",
            "team-only",
            "Team only",
        );
        let lib = Library::load(&KnowledgeSources::builtin().with_dir(team.path())).unwrap();
        let builtin = Library::load(&KnowledgeSources::builtin()).unwrap();
        assert_eq!(
            lib.len(),
            builtin.len() + 1 - usize::from(builtin.get("idempotency").is_none())
        );
        assert_eq!(
            lib.get("idempotency").unwrap().meta.title,
            "Team idempotency"
        );
        assert!(lib.get("team-only").is_some());
    }

    #[test]
    fn duplicate_id_in_one_layer_names_both_files() {
        let team = tempfile::tempdir().unwrap();
        write(team.path(), "guides/a/one.md", "same", "One");
        write(team.path(), "guides/b/two.md", "same", "Two");
        let err = Library::load(&KnowledgeSources::empty().with_dir(team.path())).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("duplicate document id `same`"), "{msg}");
        assert!(msg.contains("one.md") && msg.contains("two.md"), "{msg}");
    }

    #[test]
    fn missing_directory_is_a_clear_error() {
        let err =
            Library::load(&KnowledgeSources::empty().with_dir("/nonexistent/kb")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/kb"), "{err}");
    }

    #[test]
    fn suggests_close_ids() {
        let team = tempfile::tempdir().unwrap();
        write(team.path(), "guides/a/idempotency.md", "idempotency", "I");
        write(team.path(), "guides/a/cold-starts.md", "cold-starts", "C");
        let lib = Library::load(&KnowledgeSources::empty().with_dir(team.path())).unwrap();
        assert_eq!(
            lib.suggest("idempotence", 3).first().map(String::as_str),
            Some("idempotency")
        );
    }
}
