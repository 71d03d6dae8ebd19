//! Where knowledge files come from: the copy embedded in the binary and any
//! number of directories laid out like `knowledge/` (`--knowledge DIR`).
//!
//! Layers are kept in order (built-in first). Callers that merge by id (guides,
//! rules, scaffolds) walk [`KnowledgeSources::files`] in order and let later
//! files win; this module only finds and reads files.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rust_embed::RustEmbed;

use super::KnowledgeError;

#[derive(RustEmbed)]
#[folder = "knowledge/"]
struct Builtin;

/// One layer of knowledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    /// The knowledge embedded in the binary.
    Builtin,
    /// A directory on disk laid out like `knowledge/`.
    Dir(PathBuf),
}

/// A file read from one layer.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the layer root, with `/` separators (`guides/reliability/idempotency.md`).
    pub rel: String,
    /// Where it came from, for error messages: `builtin:guides/x.md` or the real path on disk.
    pub display: String,
    /// True when the file comes from the embedded copy.
    pub builtin: bool,
    /// Index of the layer it came from (0 = lowest).
    pub layer: usize,
    pub bytes: Cow<'static, [u8]>,
}

impl SourceFile {
    /// The file as UTF-8, or an error that names it.
    pub fn text(&self) -> Result<&str, KnowledgeError> {
        std::str::from_utf8(&self.bytes).map_err(|e| KnowledgeError::Io {
            path: self.display.clone(),
            message: format!("not valid UTF-8: {e}"),
        })
    }
}

/// The ordered set of layers the server reads knowledge from.
#[derive(Debug, Clone)]
pub struct KnowledgeSources {
    layers: Vec<Layer>,
}

impl Default for KnowledgeSources {
    fn default() -> Self {
        Self::builtin()
    }
}

impl KnowledgeSources {
    /// Only the built-in knowledge.
    pub fn builtin() -> Self {
        Self {
            layers: vec![Layer::Builtin],
        }
    }

    /// No layers at all (`--no-builtin` before any `--knowledge DIR`).
    pub fn empty() -> Self {
        Self { layers: Vec::new() }
    }

    /// Built-in knowledge (unless `builtin` is false) followed by `dirs` in order.
    pub fn new(builtin: bool, dirs: impl IntoIterator<Item = PathBuf>) -> Self {
        let mut layers = Vec::new();
        if builtin {
            layers.push(Layer::Builtin);
        }
        layers.extend(dirs.into_iter().map(Layer::Dir));
        Self { layers }
    }

    /// Adds a directory layer on top of the existing ones.
    pub fn with_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.layers.push(Layer::Dir(dir.into()));
        self
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The directories on disk, in order (what a file watcher must watch).
    pub fn dirs(&self) -> impl Iterator<Item = &Path> {
        self.layers.iter().filter_map(|l| match l {
            Layer::Dir(d) => Some(d.as_path()),
            Layer::Builtin => None,
        })
    }

    /// Every file whose relative path starts with `prefix` (e.g. `"guides/"`) and
    /// ends with one of `extensions` (empty = any), layer by layer in order and
    /// sorted by path within a layer. Hidden files and directories are skipped.
    pub fn files(
        &self,
        prefix: &str,
        extensions: &[&str],
    ) -> Result<Vec<SourceFile>, KnowledgeError> {
        let wanted = |rel: &str| {
            rel.starts_with(prefix)
                && !rel.split('/').any(|part| part.starts_with('.'))
                && (extensions.is_empty() || extensions.iter().any(|e| rel.ends_with(e)))
        };
        let mut out = Vec::new();
        for (layer_index, layer) in self.layers.iter().enumerate() {
            match layer {
                Layer::Builtin => {
                    let mut names: Vec<_> = Builtin::iter().filter(|n| wanted(n)).collect();
                    names.sort();
                    for name in names {
                        if let Some(file) = Builtin::get(&name) {
                            out.push(SourceFile {
                                display: format!("builtin:{name}"),
                                rel: name.into_owned(),
                                builtin: true,
                                layer: layer_index,
                                bytes: file.data,
                            });
                        }
                    }
                }
                Layer::Dir(root) => {
                    if !root.is_dir() {
                        return Err(KnowledgeError::Io {
                            path: root.display().to_string(),
                            message: "knowledge directory does not exist or is not a directory"
                                .into(),
                        });
                    }
                    let mut found = Vec::new();
                    walk(root, root, &mut found)?;
                    found.sort();
                    for (rel, path) in found {
                        if !wanted(&rel) {
                            continue;
                        }
                        let bytes = match read_bounded(&path) {
                            Ok(bytes) => bytes,
                            // Deleted between the listing and the read (an editor or a
                            // sync tool at work): it is simply no longer there.
                            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                            Err(e) => {
                                return Err(KnowledgeError::Io {
                                    path: path.display().to_string(),
                                    message: e.to_string(),
                                });
                            }
                        };
                        out.push(SourceFile {
                            rel,
                            display: path.display().to_string(),
                            builtin: false,
                            layer: layer_index,
                            bytes: Cow::Owned(bytes),
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// The file at `rel` from the topmost layer that has it.
    pub fn read(&self, rel: &str) -> Result<Option<SourceFile>, KnowledgeError> {
        for (layer_index, layer) in self.layers.iter().enumerate().rev() {
            match layer {
                Layer::Builtin => {
                    if let Some(file) = Builtin::get(rel) {
                        return Ok(Some(SourceFile {
                            rel: rel.to_string(),
                            display: format!("builtin:{rel}"),
                            builtin: true,
                            layer: layer_index,
                            bytes: file.data,
                        }));
                    }
                }
                Layer::Dir(root) => {
                    // Relative paths only: a `..` or absolute component never leaves the layer.
                    if rel.split('/').any(|p| p == ".." || p.is_empty()) {
                        return Ok(None);
                    }
                    let path = root.join(rel);
                    if path.is_file() {
                        let bytes = read_bounded(&path).map_err(|e| KnowledgeError::Io {
                            path: path.display().to_string(),
                            message: e.to_string(),
                        })?;
                        return Ok(Some(SourceFile {
                            rel: rel.to_string(),
                            display: path.display().to_string(),
                            builtin: false,
                            layer: layer_index,
                            bytes: Cow::Owned(bytes),
                        }));
                    }
                }
            }
        }
        Ok(None)
    }
}

/// Largest file a knowledge directory may hold (the biggest built-in guide is
/// under 100 KiB); a bigger one is an error naming the limit, not a memory spike
/// on every reload.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "over the limit of {MAX_FILE_BYTES} bytes (8 MiB) for a knowledge file"
        )));
    }
    Ok(bytes)
}

/// Recursive directory walk that does not follow symlinks out of the tree.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), KnowledgeError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // A subdirectory removed while we walk: nothing left to read there.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && dir != root => return Ok(()),
        Err(e) => {
            return Err(KnowledgeError::Io {
                path: dir.display().to_string(),
                message: e.to_string(),
            });
        }
    };
    for entry in entries {
        let entry = entry.map_err(|e| KnowledgeError::Io {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry.file_type().map_err(|e| KnowledgeError::Io {
            path: entry.path().display().to_string(),
            message: e.to_string(),
        })?;
        let path = entry.path();
        if file_type.is_dir() {
            walk(root, &path, out)?;
        } else if file_type.is_file() {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
    Ok(())
}
