//! Everything served at one moment, loaded together from one set of sources:
//! documents, their search index (and, as they land, rules and scaffolds).
//! A server holds an `Arc<Snapshot>` and swaps in a new one on reload, so a
//! request in flight always sees one consistent set.

use std::sync::Arc;

use crate::knowledge::{KnowledgeError, KnowledgeSources, Library, synonyms::Synonyms};
use crate::review::{ReviewError, RuleSet};
use crate::scaffold::{ScaffoldCatalog, ScaffoldError};
use crate::search::{SearchError, SearchIndex};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Scaffold(#[from] ScaffoldError),
    #[error(transparent)]
    Review(#[from] ReviewError),
}

/// One consistent, immutable set of knowledge.
#[derive(Debug)]
pub struct Snapshot {
    pub sources: KnowledgeSources,
    pub library: Arc<Library>,
    pub index: SearchIndex,
    /// Scaffold patterns and their templates.
    pub scaffolds: ScaffoldCatalog,
    /// Review rules (built-in plus `--knowledge DIR/rules`).
    pub rules: Arc<RuleSet>,
}

impl Snapshot {
    /// Loads and indexes everything from `sources`.
    pub fn load(sources: KnowledgeSources) -> Result<Self, LoadError> {
        let library = Arc::new(Library::load(&sources)?);
        for note in &library.overrides {
            tracing::info!("{note}");
        }
        let synonyms = Synonyms::load(&sources)?;
        let index = SearchIndex::build(Arc::clone(&library), synonyms)?;
        let scaffolds = ScaffoldCatalog::load(&sources)?;
        let rules = Arc::new(RuleSet::load(&sources)?);
        for note in &rules.overrides {
            tracing::info!("{note}");
        }
        Ok(Self {
            sources,
            library,
            index,
            scaffolds,
            rules,
        })
    }
}
