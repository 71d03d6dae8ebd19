//! Full-text search over knowledge sections: a tantivy index built in RAM (or
//! written to / opened from a directory, see [`persist`]), English stemming,
//! field boosts, synonym expansion, filters, plain-text snippets, and
//! per-document diversity. Knows nothing of MCP or HTTP.

pub mod persist;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::indexer::NoMergePolicy;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term, doc};

use crate::knowledge::{Document, Library, synonyms::Synonyms};

/// Longest query accepted, in characters. The CLI and the MCP tool refuse longer
/// ones with [`query_problem`]; [`SearchIndex::search`] itself cuts them, so the
/// library never fails on a string.
pub const MAX_QUERY_CHARS: usize = 1_000;

/// Why a user's query cannot be searched: too long. (Empty queries get a message
/// suited to each front end.)
pub fn query_problem(query: &str) -> Option<String> {
    let n = query.chars().count();
    (n > MAX_QUERY_CHARS).then(|| {
        format!(
            "query is {n} characters long, over the limit of {MAX_QUERY_CHARS} characters: keep the key words (services, the error, the decision) and drop the rest"
        )
    })
}
/// Largest `limit` a search may ask for.
pub const MAX_LIMIT: usize = 20;

const TOKENIZER: &str = "en_guide";
/// How many more sections than asked for are scored before diversity is applied.
const CANDIDATES: usize = 200;
/// Weight of the synonym-expansion clause relative to the user's own words.
const SYNONYM_WEIGHT: f32 = 0.7;
const SNIPPET_CHARS: usize = 220;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A problem with an index directory; the message says what to do.
    #[error("index directory {dir}: {message}")]
    Dir { dir: String, message: String },
}

impl SearchError {
    pub(crate) fn dir(dir: &Path, message: impl Into<String>) -> Self {
        Self::Dir {
            dir: dir.display().to_string(),
            message: message.into(),
        }
    }
}

/// What a build into a directory reports as it goes (for a progress bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildProgress {
    /// Reading and parsing the knowledge sources.
    Loading,
    /// `done` of `total` documents added to the index.
    Indexed { done: usize, total: usize },
    /// Writing the segments to disk.
    Committing,
    /// Merging the segments into one.
    Merging,
}

/// One search hit: a section of a document.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct SearchHit {
    /// `guide://<id>#<section>` (or `guide://<id>` for the document's introduction).
    pub uri: String,
    /// Document title.
    pub title: String,
    /// Section heading path below the title, joined with " > " (empty for the introduction).
    pub section: String,
    pub category: String,
    pub services: Vec<String>,
    /// Relevance score (higher is better; only comparable within one search).
    pub score: f32,
    /// Plain-text extract; matched words are marked **like this**.
    pub snippet: String,
}

/// Filters and size of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    pub category: Option<String>,
    pub service: Option<String>,
    /// Number of results (clamped to 1..=MAX_LIMIT; 0 means the default of 5).
    pub limit: usize,
}

#[derive(Clone, Copy)]
struct Fields {
    doc_id: Field,
    section: Field,
    title: Field,
    heading: Field,
    heading_path: Field,
    body: Field,
    code: Field,
    tags: Field,
    summary: Field,
    category: Field,
    service: Field,
}

/// The search index over one [`Library`].
pub struct SearchIndex {
    library: Arc<Library>,
    synonyms: Synonyms,
    reader: IndexReader,
    parser: QueryParser,
    fields: Fields,
    /// The directory the index was opened from or written to (`None`: built in RAM).
    dir: Option<PathBuf>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.library.len())
            .field("dir", &self.dir)
            .finish()
    }
}

fn analyzer() -> TextAnalyzer {
    // Stop words are removed so that "how do I ..." questions score on their content words.
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(
            StopWordFilter::new(Language::English)
                .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new())),
        )
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The schema every index uses, in RAM or on disk. Any change here (or to
/// [`analyzer`], or to what [`add_documents`] puts in a field) must bump
/// [`persist::SCHEMA_VERSION`] so that old index directories are not used.
fn schema() -> (Schema, Fields) {
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let mut sb = Schema::builder();
    let fields = Fields {
        doc_id: sb.add_text_field("doc_id", STRING | STORED),
        section: sb.add_u64_field("section", INDEXED | STORED),
        title: sb.add_text_field("title", text.clone()),
        heading: sb.add_text_field("heading", text.clone()),
        heading_path: sb.add_text_field("heading_path", text.clone()),
        body: sb.add_text_field("body", text.clone()),
        code: sb.add_text_field("code", text.clone()),
        tags: sb.add_text_field("tags", text.clone()),
        summary: sb.add_text_field("summary", text),
        category: sb.add_text_field("category", STRING),
        service: sb.add_text_field("service", STRING),
    };
    (sb.build(), fields)
}

/// Adds one tantivy document per section of every document, in library order.
fn add_documents(
    writer: &IndexWriter,
    fields: Fields,
    library: &Library,
    progress: &mut dyn FnMut(BuildProgress),
) -> Result<(), SearchError> {
    let total = library.len();
    for (n, d) in library.documents().iter().enumerate() {
        let tags = d.meta.tags.join(" ; ");
        for (i, s) in d.sections.iter().enumerate() {
            let mut tdoc = doc!(
                fields.doc_id => d.meta.id.as_str(),
                fields.section => i as u64,
                fields.title => d.meta.title.as_str(),
                fields.heading => s.heading.as_str(),
                fields.heading_path => s.heading_path.join(" > "),
                fields.body => s.text.as_str(),
                fields.tags => tags.as_str(),
                fields.summary => d.meta.summary.as_str(),
                fields.category => d.meta.category.as_str(),
            );
            for c in &s.code {
                tdoc.add_text(fields.code, &c.code);
            }
            for svc in &d.meta.services {
                tdoc.add_text(fields.service, svc);
            }
            writer.add_document(tdoc)?;
        }
        progress(BuildProgress::Indexed { done: n + 1, total });
    }
    Ok(())
}

/// Number of tantivy documents (sections) an index of `library` holds.
pub fn section_count(library: &Library) -> usize {
    library.documents().iter().map(|d| d.sections.len()).sum()
}

impl SearchIndex {
    /// Builds the index in RAM over every section of every document.
    pub fn build(library: Arc<Library>, synonyms: Synonyms) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(TOKENIZER, analyzer());
        let mut writer = index.writer_with_num_threads(1, 30_000_000)?;
        add_documents(&writer, fields, &library, &mut |_| {})?;
        writer.commit()?;
        Self::from_index(&index, fields, library, synonyms, None)
    }

    /// Builds the same index as [`SearchIndex::build`], written to `dir` (which
    /// must exist and hold no index yet) as one merged segment. `progress` hears
    /// how far it got. The caller writes the [`persist::Manifest`] beside it.
    pub fn build_in_dir(
        library: Arc<Library>,
        synonyms: Synonyms,
        dir: &Path,
        progress: &mut dyn FnMut(BuildProgress),
    ) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        let index = Index::create_in_dir(dir, schema)
            .map_err(|e| SearchError::dir(dir, format!("cannot create an index here: {e}")))?;
        index.tokenizers().register(TOKENIZER, analyzer());
        // One indexing thread keeps documents in library order, as in RAM, so
        // ties rank the same; the larger budget means fewer segments to merge.
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 200_000_000)?;
        writer.set_merge_policy(Box::new(NoMergePolicy));
        add_documents(&writer, fields, &library, progress)?;
        progress(BuildProgress::Committing);
        writer.commit()?;
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            progress(BuildProgress::Merging);
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        Self::from_index(&index, fields, library, synonyms, Some(dir.to_path_buf()))
    }

    /// Opens an index written by [`SearchIndex::build_in_dir`] for `library`.
    /// The caller checks the manifest first (that the index was built from the
    /// same sources); this checks that the directory holds a readable index of
    /// our schema with one entry per section, and fails with a message that
    /// says how to rebuild it otherwise.
    pub fn open(
        dir: &Path,
        library: Arc<Library>,
        synonyms: Synonyms,
    ) -> Result<Self, SearchError> {
        let rebuild = |what: String| {
            SearchError::dir(
                dir,
                format!(
                    "{what}; rebuild it with `serverless-guide index build --out {} --force` \
                     (with the same --knowledge/--no-builtin options)",
                    dir.display()
                ),
            )
        };
        let index = Index::open_in_dir(dir)
            .map_err(|e| rebuild(format!("the search index is missing or corrupt ({e})")))?;
        let (schema, fields) = schema();
        if index.schema() != schema {
            return Err(rebuild(
                "the search index has another schema than this version uses".into(),
            ));
        }
        index.tokenizers().register(TOKENIZER, analyzer());
        let opened = Self::from_index(&index, fields, library, synonyms, Some(dir.to_path_buf()))
            .map_err(|e| rebuild(format!("the search index cannot be read ({e})")))?;
        let held = opened.reader.searcher().num_docs();
        let expected = section_count(&opened.library) as u64;
        if held != expected {
            return Err(rebuild(format!(
                "the search index holds {held} sections but the knowledge has {expected}"
            )));
        }
        Ok(opened)
    }

    fn from_index(
        index: &Index,
        fields: Fields,
        library: Arc<Library>,
        synonyms: Synonyms,
        dir: Option<PathBuf>,
    ) -> Result<Self, SearchError> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let mut parser = QueryParser::for_index(
            index,
            vec![
                fields.title,
                fields.heading,
                fields.heading_path,
                fields.body,
                fields.code,
                fields.tags,
                fields.summary,
            ],
        );
        // Title and headings say what a section is about; body words only that it mentions them.
        for (f, boost) in [
            (fields.title, 3.0),
            (fields.heading, 2.5),
            (fields.heading_path, 1.0),
            (fields.tags, 2.0),
            (fields.summary, 1.5),
            (fields.body, 1.0),
            (fields.code, 0.3),
        ] {
            parser.set_field_boost(f, boost);
        }
        Ok(Self {
            library,
            synonyms,
            reader,
            parser,
            fields,
            dir,
        })
    }

    /// The directory this index lives in; `None` when it was built in RAM.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    pub fn library(&self) -> &Arc<Library> {
        &self.library
    }

    fn text_query(&self, query: &str) -> Option<Box<dyn Query>> {
        let cleaned = sanitize(query);
        if cleaned.trim().is_empty() {
            return None;
        }
        let (user, _warnings) = self.parser.parse_query_lenient(&cleaned);
        let extra = self.synonyms.expand(&cleaned);
        if extra.is_empty() {
            return Some(user);
        }
        // Each synonym is a phrase of plain words, so it parses as written.
        let phrases: Vec<String> = extra.iter().map(|t| format!("\"{t}\"")).collect();
        let (syn, _) = self.parser.parse_query_lenient(&phrases.join(" "));
        Some(Box::new(BooleanQuery::new(vec![
            (Occur::Should, user),
            (
                Occur::Should,
                Box::new(BoostQuery::new(syn, SYNONYM_WEIGHT)),
            ),
        ])))
    }

    /// Searches sections. Any string is accepted; one with no searchable words
    /// returns no hits. Each document appears once before any appears twice.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Result<Vec<SearchHit>, SearchError> {
        let limit = if opts.limit == 0 {
            5
        } else {
            opts.limit.min(MAX_LIMIT)
        };
        let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let Some(text) = self.text_query(&query) else {
            return Ok(Vec::new());
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text.box_clone())];
        if let Some(c) = &opts.category {
            clauses.push((Occur::Must, term_query(self.fields.category, c)));
        }
        if let Some(s) = &opts.service {
            clauses.push((Occur::Must, term_query(self.fields.service, s)));
        }
        let full = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&full, &TopDocs::with_limit(CANDIDATES).order_by_score())?;

        // Diversity: the best section of each document first, then second-best ones.
        let mut picked: Vec<(f32, Arc<Document>, usize)> = Vec::new();
        let mut spare: Vec<(f32, Arc<Document>, usize)> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for (score, addr) in top {
            let stored: TantivyDocument = searcher.doc(addr)?;
            let Some(id) = stored
                .get_first(self.fields.doc_id)
                .and_then(|v| v.as_str())
            else {
                continue;
            };
            let Some(section) = stored
                .get_first(self.fields.section)
                .and_then(|v| v.as_u64())
            else {
                continue;
            };
            let Some(d) = self.library.get(id) else {
                continue;
            };
            let entry = (score, Arc::clone(d), section as usize);
            if seen.iter().any(|s| s == id) {
                if spare.len() < limit {
                    spare.push(entry);
                }
            } else {
                seen.push(id.to_string());
                picked.push(entry);
                if picked.len() == limit {
                    break;
                }
            }
        }
        // Second sections only after every matching document has had its turn.
        if picked.len() < limit {
            picked.extend(spare.into_iter().take(limit - picked.len()));
        }

        let mut snippets = SnippetGenerator::create(&searcher, &*text, self.fields.body)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        Ok(picked
            .into_iter()
            .filter_map(|(score, d, i)| {
                let s = d.sections.get(i)?;
                Some(SearchHit {
                    uri: if s.slug.is_empty() {
                        d.uri()
                    } else {
                        format!("{}#{}", d.uri(), s.slug)
                    },
                    title: d.meta.title.clone(),
                    section: s
                        .heading_path
                        .iter()
                        .skip(1)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" > "),
                    category: d.meta.category.clone(),
                    services: d.meta.services.clone(),
                    score,
                    snippet: snippet_text(&snippets, &s.text),
                })
            })
            .collect())
    }
}

fn term_query(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Drops characters that only confuse the query parser in natural-language
/// questions (a trailing `?`, stray `^`, `*`, `\`), keeping quotes and words.
fn sanitize(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    let mut prev = ' ';
    for c in q.chars() {
        let keep = !(c.is_control()
            || matches!(
                c,
                '^' | '*' | '\\' | '?' | '{' | '}' | '[' | ']' | '<' | '>' | '!' | '='
            )
            // `-x` and `+x` at the start of a word are exclusion / requirement
            // operators to the parser, but people type "retries - sns to sqs?" as
            // prose: a dash that would exclude a word must not drop the answer.
            || (matches!(c, '-' | '+') && prev.is_whitespace()));
        let c = if keep { c } else { ' ' };
        out.push(c);
        prev = c;
    }
    out
}

/// A plain-text snippet with matched words marked `**word**`; the start of the
/// section when no word matches the body.
fn snippet_text(generator: &SnippetGenerator, text: &str) -> String {
    let snippet = generator.snippet(text);
    let fragment = snippet.fragment();
    if fragment.is_empty() {
        let mut end = text.len().min(SNIPPET_CHARS);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        return collapse_ws(&text[..end]);
    }
    let mut out = String::with_capacity(fragment.len() + 16);
    let mut at = 0;
    for r in snippet.highlighted() {
        if r.start < at || r.end > fragment.len() {
            continue;
        }
        out.push_str(&fragment[at..r.start]);
        out.push_str("**");
        out.push_str(&fragment[r.clone()]);
        out.push_str("**");
        at = r.end;
    }
    out.push_str(&fragment[at..]);
    collapse_ws(&out)
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
