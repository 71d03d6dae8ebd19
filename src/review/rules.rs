//! Loading rule files (`rules/**/*.yml`) from the knowledge sources.
//!
//! A rule file holds the metadata every rule has (id, title, severity, message,
//! rationale, fix, guidance_uri, examples) plus either ast-grep `matchers`
//! (code rules) or `template_check: true` (a check over CloudFormation/SAM
//! templates implemented in Rust under the same id), or both.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ast_grep_config::{GlobalRules, RuleConfig, SerializableRuleConfig};
use ast_grep_core::Matcher as _;
use ast_grep_language::SupportLang;
use serde::Deserialize;

use super::{ReviewError, Severity, template};
use crate::knowledge::KnowledgeSources;

/// A rule's metadata, as `rules` and `explain_rule` show it.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// `typescript`, `javascript`, `python`, `cloudformation`.
    pub languages: Vec<String>,
    pub message: String,
    pub rationale: String,
    pub fix: String,
    pub guidance_uri: String,
    pub bad_example: String,
    pub good_example: String,
    /// Ids of the same check in other tools (serverless-rules, cdk-nag, checkov).
    pub references: Vec<String>,
    /// Where the rule was loaded from (`builtin:rules/code/x.yml` or a path).
    pub source: String,
    #[serde(skip)]
    pub template_check: bool,
    /// Also checked in CDK code by a built-in cross-construct check (`review::cdk`).
    #[serde(skip)]
    pub cdk_check: bool,
}

/// The file format (see `knowledge/rules/README.md`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    title: String,
    severity: String,
    message: String,
    rationale: String,
    fix: String,
    guidance_uri: String,
    #[serde(default)]
    bad_example: String,
    #[serde(default)]
    good_example: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    template_check: bool,
    #[serde(default)]
    cdk_check: bool,
    #[serde(default)]
    matchers: Vec<yaml_serde::Value>,
}

/// A compiled ast-grep rule plus the file-level conditions checked once per file.
pub(crate) struct Matcher {
    pub(crate) cfg: RuleConfig<SupportLang>,
    /// Run only when the whole file matches this regex.
    pub(crate) when: Option<regex::Regex>,
    /// Skip when the whole file matches this regex.
    pub(crate) unless: Option<regex::Regex>,
}

impl Matcher {
    pub(crate) fn applies(&self, code: &str) -> bool {
        self.when.as_ref().is_none_or(|r| r.is_match(code))
            && self.unless.as_ref().is_none_or(|r| !r.is_match(code))
    }
}

/// Every rule loaded from one set of sources, with compiled matchers per grammar.
pub struct RuleSet {
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
    /// Matchers for TypeScript (also run on JavaScript, which the TS grammar parses).
    pub(crate) typescript: Vec<Matcher>,
    /// The same TypeScript matchers compiled for the TSX grammar.
    pub(crate) tsx: Vec<Matcher>,
    pub(crate) python: Vec<Matcher>,
    /// Notes about rules overridden by a later layer, for the log.
    pub overrides: Vec<String>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .field("typescript_matchers", &self.typescript.len())
            .field("python_matchers", &self.python.len())
            .finish()
    }
}

struct Loaded {
    rule: Rule,
    layer: usize,
    /// TypeScript matchers, each compiled for the TS and the TSX grammar.
    ts: Vec<(Matcher, Matcher)>,
    py: Vec<Matcher>,
}

impl RuleSet {
    /// Loads every `rules/**/*.yml|yaml` (except README-like files). A later layer's
    /// rule with the same id replaces the earlier one; a duplicate within a layer is an error.
    pub fn load(sources: &KnowledgeSources) -> Result<Self, ReviewError> {
        Self::load_with(sources, true)
    }

    /// Like [`RuleSet::load`]; with `compile_code` false the code matchers are
    /// checked but not compiled (for reviewing only templates: compiling every
    /// matcher for three grammars is most of the cost of a one-file review).
    pub fn load_with(sources: &KnowledgeSources, compile_code: bool) -> Result<Self, ReviewError> {
        let mut loaded: Vec<Loaded> = Vec::new();
        let mut overrides = Vec::new();
        for file in sources.files("rules/", &[".yml", ".yaml"])? {
            let text = file.text()?;
            let item = load_one(&file.display, text, file.layer, compile_code)?;
            if let Some(earlier) = loaded.iter_mut().find(|l| l.rule.id == item.rule.id) {
                if earlier.layer == item.layer {
                    return Err(ReviewError::DuplicateRule {
                        id: item.rule.id,
                        first: earlier.rule.source.clone(),
                        second: file.display,
                    });
                }
                overrides.push(format!(
                    "{} overrides rule `{}` from {}",
                    file.display, item.rule.id, earlier.rule.source
                ));
                *earlier = item;
            } else {
                loaded.push(item);
            }
        }
        loaded.sort_by(|a, b| a.rule.id.cmp(&b.rule.id));
        let mut set = RuleSet {
            rules: Vec::new(),
            by_id: HashMap::new(),
            typescript: Vec::new(),
            tsx: Vec::new(),
            python: Vec::new(),
            overrides,
        };
        for l in loaded {
            for (ts, tsx) in l.ts {
                set.typescript.push(ts);
                set.tsx.push(tsx);
            }
            set.python.extend(l.py);
            set.by_id.insert(l.rule.id.clone(), set.rules.len());
            set.rules.push(l.rule);
        }
        Ok(set)
    }

    /// All rules, sorted by id.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).and_then(|&i| self.rules.get(i))
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Rule ids closest to `id`, for "did you mean" messages.
    pub fn suggest(&self, id: &str) -> Vec<&str> {
        let mut scored: Vec<(f64, &str)> = self
            .rules
            .iter()
            .map(|r| (strsim::jaro_winkler(id, &r.id), r.id.as_str()))
            .filter(|(s, _)| *s > 0.75)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().take(3).map(|(_, id)| id).collect()
    }
}

fn rule_err(path: &str, message: impl Into<String>) -> ReviewError {
    ReviewError::Rule {
        path: path.to_string(),
        message: message.into(),
    }
}

fn load_one(
    path: &str,
    text: &str,
    layer: usize,
    compile_code: bool,
) -> Result<Loaded, ReviewError> {
    let file: RuleFile = yaml_serde::from_str(text)
        .map_err(|e| rule_err(path, format!("invalid rule file: {e}")))?;
    if file.id.is_empty()
        || !file
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(rule_err(
            path,
            format!("rule id `{}` must be kebab-case (a-z, 0-9, -)", file.id),
        ));
    }
    let severity = Severity::parse(&file.severity).ok_or_else(|| {
        rule_err(
            path,
            format!(
                "severity `{}` must be error, warning or info",
                file.severity
            ),
        )
    })?;
    if !file.guidance_uri.starts_with("guide://") {
        return Err(rule_err(
            path,
            format!(
                "guidance_uri `{}` must be guide://<doc-id> or guide://<doc-id>#<section>",
                file.guidance_uri
            ),
        ));
    }
    if file.template_check && !template::has_check(&file.id) {
        return Err(rule_err(
            path,
            format!(
                "template_check is true but there is no built-in template check `{}`; template checks are written in Rust, custom rules can only add `matchers`",
                file.id
            ),
        ));
    }
    if file.cdk_check && !super::cdk::has_check(&file.id) {
        return Err(rule_err(
            path,
            format!(
                "cdk_check is true but there is no built-in CDK check `{}`; CDK checks are written in Rust, custom rules can only add `matchers`",
                file.id
            ),
        ));
    }
    if file.matchers.is_empty() && !file.template_check && !file.cdk_check {
        return Err(rule_err(
            path,
            "the rule has no `matchers` and no `template_check`, so it can never fire",
        ));
    }
    let mut ts = Vec::new();
    let mut py = Vec::new();
    let (mut has_ts, mut has_py) = (false, false);
    for (i, m) in file.matchers.iter().enumerate() {
        if !compile_code {
            // Only which languages the rule covers; the matcher itself is checked
            // (and compiled) when code is reviewed, and by `validate`.
            match m.get("language").and_then(|v| v.as_str()) {
                Some("Python" | "python" | "py") => has_py = true,
                Some(_) => has_ts = true,
                None => {}
            }
            continue;
        }
        let (lang, ser, when, unless) =
            prepare_matcher(path, i, &file.id, severity, &file.message, m)?;
        match lang {
            MatcherLang::TypeScript => has_ts = true,
            MatcherLang::Python => has_py = true,
        }
        let where_ = format!("{path}: matchers[{i}]");
        let wrap = |cfg| Matcher {
            cfg,
            when: when.clone(),
            unless: unless.clone(),
        };
        match lang {
            MatcherLang::TypeScript => {
                let main = compile(&where_, ser.clone())?;
                let mut tsx = ser;
                tsx.language = SupportLang::Tsx;
                ts.push((wrap(main), wrap(compile(&where_, tsx)?)));
            }
            MatcherLang::Python => py.push(wrap(compile(&where_, ser)?)),
        }
    }
    let mut languages = Vec::new();
    if has_ts || file.cdk_check {
        languages.extend(["typescript".to_string(), "javascript".to_string()]);
    }
    if has_py || file.cdk_check {
        languages.push("python".to_string());
    }
    if file.template_check {
        languages.push("cloudformation".to_string());
    }
    Ok(Loaded {
        rule: Rule {
            id: file.id,
            title: file.title,
            severity,
            languages,
            message: file.message,
            rationale: file.rationale,
            fix: file.fix,
            guidance_uri: file.guidance_uri,
            bad_example: file.bad_example,
            good_example: file.good_example,
            references: file.references,
            source: path.to_string(),
            template_check: file.template_check,
            cdk_check: file.cdk_check,
        },
        layer,
        ts,
        py,
    })
}

type PreparedMatcher = (
    MatcherLang,
    SerializableRuleConfig<SupportLang>,
    Option<regex::Regex>,
    Option<regex::Regex>,
);

enum MatcherLang {
    TypeScript,
    Python,
}

/// Turns one `matchers[i]` entry into an ast-grep rule config. The language is
/// checked against our whitelist *before* ast-grep sees it (a compiled-out
/// grammar panics), and ast-grep is called under `catch_unwind` so a bad rule
/// becomes an error naming its file.
fn prepare_matcher(
    path: &str,
    index: usize,
    id: &str,
    severity: Severity,
    message: &str,
    value: &yaml_serde::Value,
) -> Result<PreparedMatcher, ReviewError> {
    let where_ = format!("{path}: matchers[{index}]");
    let yaml_serde::Value::Mapping(map) = value else {
        return Err(rule_err(&where_, "each matcher must be a mapping"));
    };
    let mut map = map.clone();
    let lang_name = map
        .get("language")
        .and_then(|v| v.as_str())
        .ok_or_else(|| rule_err(&where_, "missing `language` (TypeScript or Python)"))?;
    let lang = match lang_name {
        "TypeScript" | "typescript" | "ts" | "JavaScript" | "javascript" => MatcherLang::TypeScript,
        "Python" | "python" | "py" => MatcherLang::Python,
        other => {
            return Err(rule_err(
                &where_,
                format!(
                    "language `{other}` is not supported; use TypeScript (also runs on TSX and JavaScript) or Python"
                ),
            ));
        }
    };
    let canonical = match lang {
        MatcherLang::TypeScript => "TypeScript",
        MatcherLang::Python => "Python",
    };
    for key in ["id", "fix", "severity_override"] {
        if map.contains_key(key) {
            return Err(rule_err(
                &where_,
                format!("`{key}` is not allowed in a matcher (it comes from the rule)"),
            ));
        }
    }
    let mut file_regex = |key: &str| -> Result<Option<regex::Regex>, ReviewError> {
        match map.remove(key) {
            None => Ok(None),
            Some(v) => {
                let text = v
                    .as_str()
                    .ok_or_else(|| rule_err(&where_, format!("`{key}` must be a regex string")))?;
                regex::Regex::new(text)
                    .map(Some)
                    .map_err(|e| rule_err(&where_, format!("`{key}` is not a valid regex: {e}")))
            }
        }
    };
    let when = file_regex("file_matches")?;
    let unless = file_regex("file_not_matches")?;
    map.insert("language".into(), canonical.into());
    map.insert("id".into(), id.into());
    if !map.contains_key("message") {
        map.insert("message".into(), message.into());
    }
    let sev = match map.get("severity").and_then(|v| v.as_str()) {
        Some(s) => Severity::parse(s).ok_or_else(|| {
            rule_err(
                &where_,
                format!("severity `{s}` must be error, warning or info"),
            )
        })?,
        None => severity,
    };
    map.insert("severity".into(), sev.as_str().into());
    let text = yaml_serde::to_string(&yaml_serde::Value::Mapping(map))
        .map_err(|e| rule_err(&where_, e.to_string()))?;
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        ast_grep_config::from_str::<SerializableRuleConfig<SupportLang>>(&text)
            .map_err(|e| e.to_string())
    }));
    match parsed {
        Ok(Ok(cfg)) => Ok((lang, cfg, when, unless)),
        Ok(Err(e)) => Err(rule_err(&where_, format!("invalid ast-grep rule: {e}"))),
        Err(_) => Err(rule_err(
            &where_,
            "the ast-grep rule could not be read (it made the engine panic)",
        )),
    }
}

fn compile(
    where_: &str,
    cfg: SerializableRuleConfig<SupportLang>,
) -> Result<RuleConfig<SupportLang>, ReviewError> {
    let compiled = catch_unwind(AssertUnwindSafe(|| {
        RuleConfig::try_from(cfg, &GlobalRules::default()).map_err(|e| format!("{e}"))
    }));
    match compiled {
        Ok(Ok(cfg)) => {
            if cfg.matcher.potential_kinds().is_none() {
                return Err(rule_err(
                    where_,
                    "the matcher needs a positive `kind` or `pattern` at its top level",
                ));
            }
            Ok(cfg)
        }
        Ok(Err(e)) => Err(rule_err(where_, format!("invalid ast-grep rule: {e}"))),
        Err(_) => Err(rule_err(
            where_,
            "the ast-grep rule could not be compiled (it made the engine panic)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<Loaded, ReviewError> {
        load_one("test.yml", text, 0, true)
    }

    const HEAD: &str = "id: x-rule\ntitle: T\nseverity: warning\nmessage: M\nrationale: R\nfix: F\nguidance_uri: guide://x\n";

    #[test]
    fn bad_language_is_an_error_not_a_panic() {
        let e = one(&format!(
            "{HEAD}matchers:\n  - language: Go\n    rule: {{kind: call_expression}}\n"
        ))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            e.contains("test.yml") && e.contains("`Go` is not supported"),
            "{e}"
        );
    }

    #[test]
    fn bad_kind_names_the_file() {
        let e = one(&format!(
            "{HEAD}matchers:\n  - language: TypeScript\n    rule: {{kind: new_expresion}}\n"
        ))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.starts_with("test.yml: matchers[0]"), "{e}");
    }

    #[test]
    fn good_rule_compiles() {
        let l = one(&format!(
            "{HEAD}matchers:\n  - language: Python\n    rule: {{pattern: print($$$A)}}\n"
        ));
        let l = l.map_err(|e| e.to_string());
        assert_eq!(l.as_ref().map(|l| l.py.len()), Ok(1));
        assert_eq!(l.map(|l| l.rule.languages), Ok(vec!["python".to_string()]));
    }
}
