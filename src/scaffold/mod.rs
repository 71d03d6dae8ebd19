//! Scaffold: renders complete CDK apps (TypeScript or Python) for proven
//! serverless patterns from minijinja templates under `knowledge/scaffolds/`.
//!
//! Layout of the templates (every layer of knowledge may add or override files):
//! - `scaffolds/versions.yaml`: the pinned versions, injected as `versions`;
//! - `scaffolds/<id>/manifest.yaml`: id, title, services, summary, guidance, options;
//! - `scaffolds/<id>/<language>/**`: the pattern's files;
//! - `scaffolds/_shared/<language>/**`: project files every pattern gets
//!   (a pattern file with the same output path wins);
//! - `scaffolds/_partials/**` and any file whose name starts with `_`: include-only.
//!
//! Output paths drop a trailing `.j2`; `__module__` becomes the Python package name,
//! `__name__` the project name, and a `dot.` prefix a leading dot (`dot.gitignore`). Nothing here writes to disk except [`write_files`].

mod names;

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::knowledge::{KnowledgeError, KnowledgeSources};

pub use names::{Names, validate_name};

const ROOT: &str = "scaffolds/";
const SHARED: &str = "_shared";
const PARTIALS: &str = "_partials";
/// The minijinja fuel one template file may use when rendered: about that many
/// instructions, or 64 bytes of values per unit (64 MB). The largest built-in
/// template needs less than a twentieth of it (see the tests).
pub const RENDER_FUEL: u64 = 1_000_000;

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    #[error("{path}: {message}")]
    Manifest { path: String, message: String },
    #[error("unknown pattern `{pattern}`; available patterns: {available}")]
    UnknownPattern { pattern: String, available: String },
    #[error("unknown language `{0}`; use typescript or python")]
    UnknownLanguage(String),
    #[error("pattern `{pattern}` has no {language} templates")]
    LanguageNotOffered { pattern: String, language: String },
    #[error("invalid name `{name}`: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("{0}")]
    InvalidOption(String),
    #[error("rendering {template} failed: {message}")]
    Render { template: String, message: String },
    #[error("unsafe output path `{path}`: {reason}")]
    UnsafePath { path: String, reason: String },
    #[error(
        "{count} file(s) already exist in {dir} (first: {first}); use --force to overwrite or choose another --out"
    )]
    WouldOverwrite {
        dir: String,
        count: usize,
        first: String,
    },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

/// A language a pattern can be generated in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Typescript,
    Python,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Typescript, Language::Python];

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Typescript => "typescript",
            Language::Python => "python",
        }
    }

    /// Accepts the usual spellings (`ts`, `py`).
    pub fn parse(s: &str) -> Result<Self, ScaffoldError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "typescript" | "ts" => Ok(Language::Typescript),
            "python" | "py" => Ok(Language::Python),
            _ => Err(ScaffoldError::UnknownLanguage(s.to_string())),
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One option a pattern accepts (e.g. `api_type: http|rest`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionSpec {
    pub name: String,
    pub description: String,
    /// Allowed values; empty means "true or false" when the default is a boolean.
    #[serde(default)]
    pub choices: Vec<String>,
    pub default: serde_json::Value,
}

/// `scaffolds/<id>/manifest.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub id: String,
    pub title: String,
    pub services: Vec<String>,
    pub summary: String,
    /// A guide document id (`guide://<id>` explains the pattern).
    pub guidance: String,
    /// Longer markdown: the architecture, what each resource is for.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub options: Vec<OptionSpec>,
    /// Extra runtime packages per language (`typescript`: npm names, `python`: PyPI names);
    /// their versions come from versions.yaml.
    #[serde(default)]
    pub dependencies: BTreeMap<String, Vec<String>>,
}

/// A pattern as listed by `list_scaffolds`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ScaffoldSummary {
    pub id: String,
    pub title: String,
    pub languages: Vec<Language>,
    pub services: Vec<String>,
    pub summary: String,
    pub guidance_uri: String,
    pub options: Vec<OptionSpec>,
}

/// One generated file (path relative to the output directory, `/` separators).
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub content: String,
}

/// The result of rendering a pattern.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Generated {
    pub pattern: String,
    pub language: Language,
    pub files: Vec<GeneratedFile>,
    pub next_steps: Vec<String>,
}

/// A loaded pattern: its manifest and, per language, the template files
/// (template name -> output path template).
#[derive(Debug, Clone)]
struct Pattern {
    manifest: Manifest,
    languages: BTreeMap<Language, Vec<String>>,
}

/// All patterns and templates from one set of knowledge sources.
#[derive(Debug, Clone)]
pub struct ScaffoldCatalog {
    patterns: BTreeMap<String, Pattern>,
    /// Every file under `scaffolds/` (topmost layer wins), keyed by its path below `scaffolds/`.
    templates: Arc<HashMap<String, String>>,
    versions: serde_json::Value,
}

impl ScaffoldCatalog {
    /// Loads the manifests and templates. A knowledge set without `scaffolds/` gives an empty catalog.
    pub fn load(sources: &KnowledgeSources) -> Result<Self, ScaffoldError> {
        let mut templates: HashMap<String, String> = HashMap::new();
        let mut displays: HashMap<String, String> = HashMap::new();
        for file in sources.files(ROOT, &[])? {
            let rel = file.rel[ROOT.len()..].to_string();
            templates.insert(rel.clone(), file.text()?.to_string());
            displays.insert(rel, file.display.clone());
        }

        let versions = match templates.get("versions.yaml") {
            Some(text) => yaml_to_json(text).map_err(|message| ScaffoldError::Manifest {
                path: displays.get("versions.yaml").cloned().unwrap_or_default(),
                message,
            })?,
            None => serde_json::Value::Object(Default::default()),
        };

        let mut patterns = BTreeMap::new();
        let mut manifest_paths: Vec<&String> = templates
            .keys()
            .filter(|k| k.ends_with("/manifest.yaml") && k.matches('/').count() == 1)
            .collect();
        manifest_paths.sort();
        for path in manifest_paths {
            let dir = path.trim_end_matches("/manifest.yaml");
            if dir.starts_with('_') {
                continue;
            }
            let display = displays.get(path.as_str()).cloned().unwrap_or_default();
            let text = templates.get(path.as_str()).map_or("", String::as_str);
            let manifest: Manifest =
                yaml_serde::from_str(text).map_err(|e| ScaffoldError::Manifest {
                    path: display.clone(),
                    message: e.to_string(),
                })?;
            check_manifest(&manifest, dir, &display)?;
            let mut languages = BTreeMap::new();
            for lang in Language::ALL {
                let own = format!("{dir}/{}/", lang.as_str());
                let mut files: Vec<String> = templates
                    .keys()
                    .filter(|k| k.starts_with(&own) && emitted(k))
                    .cloned()
                    .collect();
                if files.is_empty() {
                    continue;
                }
                let shared = format!("{SHARED}/{}/", lang.as_str());
                files.extend(
                    templates
                        .keys()
                        .filter(|k| k.starts_with(&shared) && emitted(k))
                        .cloned(),
                );
                files.sort();
                languages.insert(lang, files);
            }
            patterns.insert(
                manifest.id.clone(),
                Pattern {
                    manifest,
                    languages,
                },
            );
        }
        Ok(Self {
            patterns,
            templates: Arc::new(templates),
            versions,
        })
    }

    /// Pattern ids, sorted.
    pub fn ids(&self) -> Vec<&str> {
        self.patterns.keys().map(String::as_str).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn manifest(&self, id: &str) -> Option<&Manifest> {
        self.patterns.get(id).map(|p| &p.manifest)
    }

    /// The patterns for `list_scaffolds`.
    pub fn list(&self) -> Vec<ScaffoldSummary> {
        self.patterns.values().map(summary).collect()
    }

    pub fn summary(&self, id: &str) -> Option<ScaffoldSummary> {
        self.patterns.get(id).map(summary)
    }

    fn pattern(&self, id: &str) -> Result<&Pattern, ScaffoldError> {
        self.patterns
            .get(id)
            .ok_or_else(|| ScaffoldError::UnknownPattern {
                pattern: id.to_string(),
                available: self.ids().join(", "),
            })
    }

    /// Renders `pattern` in `language`. `name` defaults to the pattern id;
    /// `options` are checked against the manifest and filled with defaults.
    pub fn render(
        &self,
        pattern: &str,
        language: Language,
        name: Option<&str>,
        options: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Generated, ScaffoldError> {
        self.render_with_fuel(pattern, language, name, options, RENDER_FUEL)
    }

    fn render_with_fuel(
        &self,
        pattern: &str,
        language: Language,
        name: Option<&str>,
        options: &serde_json::Map<String, serde_json::Value>,
        fuel: u64,
    ) -> Result<Generated, ScaffoldError> {
        let p = self.pattern(pattern)?;
        let Some(files) = p.languages.get(&language) else {
            return Err(ScaffoldError::LanguageNotOffered {
                pattern: pattern.to_string(),
                language: language.to_string(),
            });
        };
        let names = validate_name(name.unwrap_or(&p.manifest.id))?;
        let options = resolve_options(&p.manifest, options)?;

        let env = self.environment(fuel);
        let ctx = minijinja::context! {
            name => &names.kebab,
            pascal => &names.pascal,
            module => &names.snake,
            stack_class => format!("{}Stack", names.pascal),
            language => language.as_str(),
            pattern => to_value(&serde_json::to_value(&p.manifest).unwrap_or_default()),
            options => to_value(&serde_json::to_value(&options).unwrap_or_default()),
            versions => to_value(&self.versions),
        };

        // A pattern file overrides a shared one with the same output path.
        let lang_dir = format!("{}/", language.as_str());
        let mut by_path: BTreeMap<String, &String> = BTreeMap::new();
        for template in files {
            let rel = template.split_once(&lang_dir).map_or("", |(_, r)| r);
            let out = output_path(rel, &names);
            check_relative(&out)?;
            let is_shared = template.starts_with(SHARED);
            if is_shared && by_path.contains_key(&out) {
                continue;
            }
            by_path.insert(out, template);
        }
        let mut generated = Vec::with_capacity(by_path.len());
        for (path, template) in by_path {
            let tmpl = env
                .get_template(template)
                .map_err(|e| render_error(template, &e, fuel))?;
            let mut content = tmpl
                .render(&ctx)
                .map_err(|e| render_error(template, &e, fuel))?;
            if !content.ends_with('\n') {
                content.push('\n');
            }
            generated.push(GeneratedFile { path, content });
        }
        Ok(Generated {
            pattern: pattern.to_string(),
            language,
            next_steps: next_steps(language, &names),
            files: generated,
        })
    }

    fn environment(&self, fuel: u64) -> Environment<'static> {
        let mut env = Environment::new();
        // Team templates are code from a knowledge directory: fuel bounds the
        // instructions and memory one file's render may use, so a runaway loop is an
        // error instead of a hung request.
        env.set_fuel(Some(fuel));
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        // trim/lstrip: `{% if %}` lines leave no blank lines behind in generated code.
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        let templates = Arc::clone(&self.templates);
        env.set_loader(move |name| Ok(templates.get(name).cloned()));
        env.add_filter("pascal", |s: String| {
            heck::ToUpperCamelCase::to_upper_camel_case(s.as_str())
        });
        env.add_filter("snake", |s: String| {
            heck::ToSnakeCase::to_snake_case(s.as_str())
        });
        env.add_filter("camel", |s: String| {
            heck::ToLowerCamelCase::to_lower_camel_case(s.as_str())
        });
        env.add_filter("kebab", |s: String| {
            heck::ToKebabCase::to_kebab_case(s.as_str())
        });
        env
    }

    /// Markdown for `scaffold://<id>`: what the pattern builds, its options and its files.
    pub fn describe(&self, id: &str) -> Result<String, ScaffoldError> {
        let p = self.pattern(id)?;
        let m = &p.manifest;
        let mut md = format!("# {} (`{}`)\n\n{}\n\n", m.title, m.id, m.summary);
        md.push_str(&format!("Services: {}\n\n", m.services.join(", ")));
        md.push_str(&format!(
            "Guidance: [guide://{0}](guide://{0})\n\n",
            m.guidance
        ));
        if !m.description.trim().is_empty() {
            md.push_str("## Architecture\n\n");
            md.push_str(m.description.trim());
            md.push_str("\n\n");
        }
        if !m.options.is_empty() {
            md.push_str("## Options\n\n");
            for o in &m.options {
                let choices = if o.choices.is_empty() {
                    String::new()
                } else {
                    format!(" (one of: {})", o.choices.join(", "))
                };
                md.push_str(&format!(
                    "- `{}`: {}{choices}; default `{}`\n",
                    o.name, o.description, o.default
                ));
            }
            md.push('\n');
        }
        md.push_str("## Files\n\n");
        for lang in p.languages.keys() {
            let generated = self.render(id, *lang, None, &Default::default())?;
            md.push_str(&format!("### {lang}\n\n"));
            for f in &generated.files {
                md.push_str(&format!("- `{}`\n", f.path));
            }
            md.push('\n');
        }
        md.push_str(&format!(
            "Generate it with the `scaffold_pattern` tool (pattern `{id}`, language `typescript` or `python`) \
             or `serverless-guide scaffold {id} --language typescript --out ./{id}`.\n"
        ));
        Ok(md)
    }
}

fn summary(p: &Pattern) -> ScaffoldSummary {
    let m = &p.manifest;
    ScaffoldSummary {
        id: m.id.clone(),
        title: m.title.clone(),
        languages: p.languages.keys().copied().collect(),
        services: m.services.clone(),
        summary: m.summary.clone(),
        guidance_uri: format!("guide://{}", m.guidance),
        options: m.options.clone(),
    }
}

/// Templates that become files: partials (under `_partials/`, or a name starting with a
/// single `_`) are include-only; `__module__`-style names are placeholders, not partials.
fn emitted(rel: &str) -> bool {
    let base = rel.rsplit('/').next().unwrap_or(rel);
    let partial = base.starts_with('_') && !base.starts_with("__");
    !(rel.starts_with(PARTIALS) || rel.ends_with("/manifest.yaml") || partial)
}

fn output_path(rel: &str, names: &Names) -> String {
    let rel = rel.strip_suffix(".j2").unwrap_or(rel);
    rel.split('/')
        .map(|seg| {
            let seg = seg
                .replace("__module__", &names.snake)
                .replace("__name__", &names.kebab);
            // Hidden files are not loaded from knowledge layers: `dot.gitignore` -> `.gitignore`.
            match seg.strip_prefix("dot.") {
                Some(rest) => format!(".{rest}"),
                None => seg,
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn check_manifest(m: &Manifest, dir: &str, display: &str) -> Result<(), ScaffoldError> {
    let bad = |message: String| ScaffoldError::Manifest {
        path: display.to_string(),
        message,
    };
    if m.id != dir {
        return Err(bad(format!(
            "id `{}` must equal its directory name `{dir}`",
            m.id
        )));
    }
    for s in &m.services {
        if !crate::knowledge::SERVICES.contains(&s.as_str()) {
            return Err(bad(format!(
                "unknown service `{s}`; use one of: {}",
                crate::knowledge::SERVICES.join(", ")
            )));
        }
    }
    for o in &m.options {
        let ok = match &o.default {
            serde_json::Value::String(s) => o.choices.contains(s),
            serde_json::Value::Bool(_) => o.choices.is_empty(),
            _ => false,
        };
        if !ok {
            return Err(bad(format!(
                "option `{}`: the default must be one of its choices (or a boolean without choices)",
                o.name
            )));
        }
    }
    Ok(())
}

/// Checks user options against the manifest and fills in the defaults.
fn resolve_options(
    m: &Manifest,
    given: &serde_json::Map<String, serde_json::Value>,
) -> Result<BTreeMap<String, serde_json::Value>, ScaffoldError> {
    let known: Vec<&str> = m.options.iter().map(|o| o.name.as_str()).collect();
    for key in given.keys() {
        if !known.contains(&key.as_str()) {
            let hint = if known.is_empty() {
                "this pattern has no options".to_string()
            } else {
                format!("valid options: {}", known.join(", "))
            };
            return Err(ScaffoldError::InvalidOption(format!(
                "unknown option `{key}` for pattern `{}`; {hint}",
                m.id
            )));
        }
    }
    let mut out = BTreeMap::new();
    for o in &m.options {
        let value = match given.get(&o.name) {
            None => o.default.clone(),
            Some(v) => coerce_option(o, v)?,
        };
        out.insert(o.name.clone(), value);
    }
    Ok(out)
}

fn coerce_option(
    o: &OptionSpec,
    v: &serde_json::Value,
) -> Result<serde_json::Value, ScaffoldError> {
    use serde_json::Value as J;
    if o.default.is_boolean() {
        return match v {
            J::Bool(b) => Ok(J::Bool(*b)),
            J::String(s) if s == "true" || s == "false" => Ok(J::Bool(s == "true")),
            _ => Err(ScaffoldError::InvalidOption(format!(
                "option `{}` must be true or false, got {v}",
                o.name
            ))),
        };
    }
    match v {
        J::String(s) if o.choices.contains(s) => Ok(J::String(s.clone())),
        _ => Err(ScaffoldError::InvalidOption(format!(
            "option `{}` must be one of: {}; got {v}",
            o.name,
            o.choices.join(", ")
        ))),
    }
}

fn next_steps(language: Language, names: &Names) -> Vec<String> {
    let mut steps = match language {
        Language::Typescript => vec![
            "npm install".to_string(),
            "npm run build   # tsc type-check".to_string(),
            "npm test        # assertions on the synthesized template".to_string(),
            "npx cdk synth   # offline; cdk-nag runs on every synth".to_string(),
        ],
        Language::Python => vec![
            "python3 -m venv .venv && . .venv/bin/activate".to_string(),
            "pip install -r requirements.txt -r requirements-dev.txt".to_string(),
            "pytest          # assertions on the synthesized template".to_string(),
            "npx aws-cdk synth   # the CDK CLI comes from npm; cdk-nag runs on every synth"
                .to_string(),
        ],
    };
    steps.push(format!(
        "npx cdk deploy   # deploys stack {}Stack to the account/region of your AWS credentials",
        names.pascal
    ));
    steps.push("Read README.md for the architecture, the tests and clean-up.".to_string());
    steps
}

fn render_error(template: &str, e: &minijinja::Error, fuel: u64) -> ScaffoldError {
    if e.kind() == minijinja::ErrorKind::OutOfFuel {
        return ScaffoldError::Render {
            template: format!("{ROOT}{template}"),
            message: format!(
                "the template used up its render budget (the limit is {fuel} units of \
                 minijinja fuel per file, about as many instructions); look for loops over \
                 large ranges or values built up in loops"
            ),
        };
    }
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    ScaffoldError::Render {
        template: format!("{ROOT}{template}"),
        message,
    }
}

/// minijinja 3 has no serde support without a feature: convert by hand.
fn to_value(v: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::from(()),
        J::Bool(b) => Value::from(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::from)
            .or_else(|| n.as_f64().map(Value::from))
            .unwrap_or_else(|| Value::from(n.to_string())),
        J::String(s) => Value::from(s.as_str()),
        J::Array(a) => Value::from(a.iter().map(to_value).collect::<Vec<_>>()),
        J::Object(o) => Value::from(
            o.iter()
                .map(|(k, v)| (k.clone(), to_value(v)))
                .collect::<BTreeMap<String, Value>>(),
        ),
    }
}

fn yaml_to_json(text: &str) -> Result<serde_json::Value, String> {
    let value: yaml_serde::Value = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
    serde_json::to_value(value).map_err(|e| e.to_string())
}

/// Rejects absolute paths, `..`, empty segments and backslashes: a generated
/// path must stay inside the output directory.
pub fn check_relative(path: &str) -> Result<(), ScaffoldError> {
    let unsafe_path = |reason: &str| ScaffoldError::UnsafePath {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    if path.is_empty() {
        return Err(unsafe_path("empty path"));
    }
    if path.contains('\\') || path.contains('\0') {
        return Err(unsafe_path("backslashes and NUL are not allowed"));
    }
    let p = Path::new(path);
    if p.is_absolute() || path.starts_with('/') {
        return Err(unsafe_path("absolute paths are not allowed"));
    }
    for c in p.components() {
        match c {
            Component::Normal(_) => {}
            Component::CurDir => return Err(unsafe_path("`.` segments are not allowed")),
            Component::ParentDir => {
                return Err(unsafe_path("`..` would leave the output directory"));
            }
            _ => return Err(unsafe_path("only relative paths are allowed")),
        }
    }
    if path.split('/').any(str::is_empty) {
        return Err(unsafe_path("empty path segment"));
    }
    Ok(())
}

/// Writes `files` under `out`. Refuses paths that would leave `out` (also via
/// a symlinked directory) and, unless `force`, any file that already exists.
/// Checks everything before writing anything. Returns the written paths.
pub fn write_files(
    out: &Path,
    files: &[GeneratedFile],
    force: bool,
) -> Result<Vec<PathBuf>, ScaffoldError> {
    let io = |path: &Path, e: std::io::Error| ScaffoldError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    let root = out.canonicalize().map_err(|e| io(out, e))?;
    let mut existing = Vec::new();
    let mut targets = Vec::with_capacity(files.len());
    for f in files {
        check_relative(&f.path)?;
        let target = root.join(&f.path);
        // The deepest existing ancestor must resolve inside the root (no symlink escapes).
        let mut probe = target.clone();
        while !probe.exists() {
            if !probe.pop() {
                break;
            }
        }
        let resolved = probe.canonicalize().map_err(|e| io(&probe, e))?;
        if !resolved.starts_with(&root) {
            return Err(ScaffoldError::UnsafePath {
                path: f.path.clone(),
                reason: format!("resolves outside {}", root.display()),
            });
        }
        if target.symlink_metadata().is_ok() {
            if target.is_dir() {
                return Err(ScaffoldError::UnsafePath {
                    path: f.path.clone(),
                    reason: "a directory exists at this path".into(),
                });
            }
            existing.push(f.path.clone());
        }
        targets.push(target);
    }
    if !force && !existing.is_empty() {
        return Err(ScaffoldError::WouldOverwrite {
            dir: out.display().to_string(),
            count: existing.len(),
            first: existing.first().cloned().unwrap_or_default(),
        });
    }
    for (f, target) in files.iter().zip(&targets) {
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        // Replace a symlink instead of writing through it.
        if target
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            std::fs::remove_file(target).map_err(|e| io(target, e))?;
        }
        std::fs::write(target, &f.content).map_err(|e| io(target, e))?;
    }
    Ok(targets)
}

#[cfg(test)]
mod tests;
