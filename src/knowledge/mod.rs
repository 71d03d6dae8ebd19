//! The knowledge model: markdown documents with YAML front matter, split into
//! addressable sections. Knows nothing of search, MCP or HTTP.

mod document;
mod library;
pub mod read;
pub mod source;
pub mod synonyms;
pub mod validate;

pub use document::{
    CATEGORIES, CodeBlock, Document, FrontMatter, SERVICES, Section, parse_document, slugify,
};
pub use library::Library;
pub use source::{KnowledgeSources, Layer, SourceFile};

/// Errors while reading knowledge. Every variant names the file it is about.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum KnowledgeError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}:{line}: front matter: {message}")]
    FrontMatter {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
    #[error(
        "duplicate document id `{id}`: defined in {first} and again in {second}; ids must be unique within one knowledge directory (rename one, or move the override into a separate --knowledge DIR)"
    )]
    DuplicateId {
        id: String,
        first: String,
        second: String,
    },
}
