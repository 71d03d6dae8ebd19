//! Everything served at one moment, loaded together from one set of sources:
//! documents, their search index (and, as they land, rules and scaffolds).
//! A server holds an `Arc<Snapshot>` and swaps in a new one on reload, so a
//! request in flight always sees one consistent set.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::knowledge::validate::{KnownIds, Problem, guide_uri_problem, load_eval};
use crate::knowledge::{KnowledgeError, KnowledgeSources, Library, synonyms::Synonyms};
use crate::review::{ReviewError, RuleSet};
use crate::scaffold::{ScaffoldCatalog, ScaffoldError};
use crate::search::persist::{Manifest, fingerprint, share_like_manifest};
use crate::search::{BuildProgress, SearchError, SearchIndex};
use crate::skill::SkillBundle;

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
    /// The knowledge as an agent skill, built on first use (most sessions never ask).
    skill: OnceLock<Result<Arc<SkillBundle>, String>>,
}

impl Snapshot {
    /// Loads and indexes everything from `sources`.
    pub fn load(sources: KnowledgeSources) -> Result<Self, LoadError> {
        Self::load_with_index(sources, None)
    }

    /// A snapshot with nothing in it: what a server holds while the real one loads.
    pub fn empty() -> Result<Self, LoadError> {
        Self::load(KnowledgeSources::empty())
    }

    /// Like [`Snapshot::load`], but with `index_dir` (written by [`build_index`])
    /// the search index is opened from there instead of built in RAM. An index
    /// built from other sources or by another version is never served: that logs
    /// a warning and builds in RAM. A missing or corrupt index directory is an
    /// error that names it and says how to build it.
    pub fn load_with_index(
        sources: KnowledgeSources,
        index_dir: Option<&Path>,
    ) -> Result<Self, LoadError> {
        let started = std::time::Instant::now();
        let manifest = index_dir.map(Manifest::read).transpose()?;
        // With an index, the sources are fingerprinted before and after loading:
        // a file that changed in between would pair the index with other documents.
        let before = manifest
            .as_ref()
            .map(|_| fingerprint(&sources))
            .transpose()?;
        let library = Arc::new(Library::load(&sources)?);
        for note in &library.overrides {
            tracing::info!("{note}");
        }
        let synonyms = Synonyms::load(&sources)?;
        let documents_ms = started.elapsed().as_millis();
        let index = match (index_dir, manifest) {
            (Some(dir), Some(manifest)) => {
                let after = fingerprint(&sources)?;
                let reason = if before.as_deref() == Some(after.as_str()) {
                    manifest.stale_reason(&Manifest::for_library(&library, after))
                } else {
                    Some("the knowledge changed while it was being loaded".to_string())
                };
                match reason {
                    None => {
                        let index = SearchIndex::open(dir, Arc::clone(&library), synonyms)?;
                        tracing::info!(index = %dir.display(), "search index opened");
                        index
                    }
                    Some(reason) => {
                        tracing::warn!(
                            "not using the search index in {}: {reason}; building one in RAM instead \
                             (refresh it with `serverless-guide index build --out {}`)",
                            dir.display(),
                            dir.display()
                        );
                        SearchIndex::build(Arc::clone(&library), synonyms)?
                    }
                }
            }
            _ => SearchIndex::build(Arc::clone(&library), synonyms)?,
        };
        let index_ms = started.elapsed().as_millis() - documents_ms;
        let scaffolds = ScaffoldCatalog::load(&sources)?;
        let scaffolds_ms = started.elapsed().as_millis() - documents_ms - index_ms;
        let rules = Arc::new(RuleSet::load(&sources)?);
        for note in &rules.overrides {
            tracing::info!("{note}");
        }
        tracing::debug!(
            documents_ms,
            index_ms,
            scaffolds_ms,
            rules_ms = started.elapsed().as_millis() - documents_ms - index_ms - scaffolds_ms,
            "snapshot loaded"
        );
        Ok(Self {
            sources,
            library,
            index,
            scaffolds,
            rules,
            skill: OnceLock::new(),
        })
    }

    /// The skill built from this snapshot (the error says what is wrong with `SKILL.md`).
    pub fn skill(&self) -> Result<Arc<SkillBundle>, String> {
        self.skill
            .get_or_init(|| {
                SkillBundle::build(self)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
}

/// Writes a persistent search index of the documents in `sources` into `dir`
/// (an existing, empty directory) plus its [`Manifest`], which it returns.
/// `progress` hears how far the build got.
pub fn build_index(
    sources: &KnowledgeSources,
    dir: &Path,
    progress: &mut dyn FnMut(BuildProgress),
) -> Result<Manifest, LoadError> {
    progress(BuildProgress::Loading);
    // Fingerprint first: if a file changes while we build, the index is marked
    // as built from the older sources and a server rebuilds rather than trust it.
    let fingerprint = fingerprint(sources)?;
    let library = Arc::new(Library::load(sources)?);
    let synonyms = Synonyms::load(sources)?;
    SearchIndex::build_in_dir(Arc::clone(&library), synonyms, dir, progress)?;
    let manifest = Manifest::for_library(&library, fingerprint);
    manifest.write(dir)?;
    share_like_manifest(dir)?;
    Ok(manifest)
}

/// What `validate` found in a set of sources: counts and every problem.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct ValidationReport {
    /// True when there is no problem.
    pub ok: bool,
    pub documents: usize,
    pub rules: usize,
    pub scaffolds: usize,
    pub eval_queries: usize,
    pub problems: Vec<Problem>,
}

/// Checks everything in `sources` and reports every problem, not just the
/// first: documents that fail to load are left out and the rest still checked.
pub fn validate(sources: &KnowledgeSources) -> ValidationReport {
    let (library, errors) = Library::load_collecting(sources);
    let mut problems: Vec<Problem> = errors.iter().map(Problem::from_error).collect();
    if let Err(e) = Synonyms::load(sources) {
        problems.push(Problem::from_error(&e));
    }
    if let Err(e) = crate::skill::check(sources) {
        problems.push(Problem::general(e.to_string()));
    }
    let rules = RuleSet::load(sources)
        .map_err(|e| problems.push(Problem::general(e.to_string())))
        .ok();
    let scaffolds = ScaffoldCatalog::load(sources)
        .map_err(|e| problems.push(Problem::general(e.to_string())))
        .ok();
    let known = KnownIds {
        rules: rules
            .as_ref()
            .map(|r| r.rules().iter().map(|r| r.id.clone()).collect()),
        scaffolds: scaffolds
            .as_ref()
            .map(|s| s.ids().into_iter().map(str::to_string).collect()),
    };
    problems.extend(crate::knowledge::validate::validate(
        &library, sources, &known,
    ));
    // Every rule's guidance must point at a document that exists.
    if let Some(rules) = &rules {
        for rule in rules.rules() {
            if let Some(problem) = rule_guidance_problem(rule, &library) {
                problems.push(problem);
            }
        }
    }
    if let Some(scaffolds) = &scaffolds {
        problems.extend(scaffold_problems(scaffolds, &library));
    }
    let eval_queries = load_eval(sources).map(|q| q.len()).unwrap_or(0);
    ValidationReport {
        ok: problems.is_empty(),
        documents: library.len(),
        rules: rules.as_ref().map_or(0, |r| r.len()),
        scaffolds: scaffolds.as_ref().map_or(0, |s| s.ids().len()),
        eval_queries,
        problems,
    }
}

/// Every pattern must render in each language it offers, with its defaults, and
/// link guidance that exists.
fn scaffold_problems(scaffolds: &ScaffoldCatalog, library: &Library) -> Vec<Problem> {
    let mut problems = Vec::new();
    for summary in scaffolds.list() {
        for language in &summary.languages {
            if let Err(e) = scaffolds.render(&summary.id, *language, None, &serde_json::Map::new())
            {
                problems.push(Problem::general(format!(
                    "scaffold `{}` ({language}) does not render: {e}",
                    summary.id
                )));
            }
        }
        if let Some(m) = scaffolds.manifest(&summary.id)
            && library.get(&m.guidance).is_none()
        {
            problems.push(Problem::general(format!(
                "scaffold `{}`: guidance document `{}` does not exist",
                summary.id, m.guidance
            )));
        }
    }
    problems
}

fn rule_guidance_problem(rule: &crate::review::Rule, library: &Library) -> Option<Problem> {
    let uri = rule.guidance_uri.as_str();
    guide_uri_problem(library, uri)
        .map(|why| Problem::general(format!("rule `{}`: guidance `{uri}`: {why}", rule.id)))
}
