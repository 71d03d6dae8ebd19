//! Code review: runs the ast-grep matchers of every rule over one source file.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ast_grep_config::{RuleConfig, Severity as AgSeverity};
use ast_grep_core::matcher::MatcherExt as _;
use ast_grep_core::tree_sitter::LanguageExt;
use ast_grep_core::{Matcher as _, NodeMatch};
use ast_grep_language::SupportLang;

use super::{Deadline, Finding, Language, MAX_SYNTAX_DEPTH, ReviewError, RuleSet, Severity};

/// Scans `code` with the matchers for `lang`. `lang` is never CloudFormation here.
pub(crate) fn scan(
    rules: &RuleSet,
    lang: Language,
    code: &str,
    deadline: &Deadline,
) -> Result<Vec<Finding>, ReviewError> {
    // Only whitelisted grammars are reachable from here: JavaScript is parsed with
    // the TypeScript grammar so the same matchers serve both.
    let (grammar, matchers) = match lang {
        Language::TypeScript | Language::JavaScript => (SupportLang::TypeScript, &rules.typescript),
        Language::Tsx => (SupportLang::Tsx, &rules.tsx),
        Language::Python => (SupportLang::Python, &rules.python),
        Language::CloudFormation => return Ok(Vec::new()),
    };
    // File-level conditions are checked once here rather than per candidate node.
    let active: Vec<&RuleConfig<SupportLang>> = matchers
        .iter()
        .filter(|m| m.applies(code))
        .map(|m| &m.cfg)
        .collect();
    if active.is_empty() {
        return Ok(Vec::new());
    }
    let grep = grammar.ast_grep(code);
    deadline.check()?;
    let depth = syntax_depth(&grep.root().get_inner_node());
    if depth > MAX_SYNTAX_DEPTH {
        return Err(ReviewError::Input(format!(
            "the code nests {depth} levels deep in its syntax tree, over review's limit of {MAX_SYNTAX_DEPTH} levels"
        )));
    }
    // One pass over the tree, dispatching each node to the rules that can match its kind
    // (ast-grep's CombinedScan does the same plus a second pass for its own suppression
    // comments, which we do not use).
    let mut by_kind: Vec<Vec<usize>> = Vec::new();
    for (i, cfg) in active.iter().enumerate() {
        if let Some(kinds) = cfg.matcher.potential_kinds() {
            for k in &kinds {
                if by_kind.len() <= k {
                    by_kind.resize_with(k + 1, Vec::new);
                }
                if let Some(slot) = by_kind.get_mut(k) {
                    slot.push(i);
                }
            }
        }
    }
    let mut found: Vec<Vec<NodeMatch<'_, _>>> = (0..active.len()).map(|_| Vec::new()).collect();
    for (n, node) in grep.root().dfs().enumerate() {
        if n % 1024 == 0 {
            deadline.check()?;
        }
        let Some(idxs) = by_kind.get(node.kind_id() as usize) else {
            continue;
        };
        for &i in idxs {
            let (Some(cfg), Some(out)) = (active.get(i), found.get_mut(i)) else {
                continue;
            };
            if let Some(m) = cfg.matcher.match_node(node.clone()) {
                out.push(m);
            }
        }
    }
    let mut out = Vec::new();
    for (cfg, matches) in active.into_iter().zip(found) {
        let Some(rule) = rules.get(&cfg.id) else {
            continue;
        };
        let severity = match cfg.severity {
            AgSeverity::Error => Severity::Error,
            AgSeverity::Warning => Severity::Warning,
            _ => Severity::Info,
        };
        for m in matches {
            let start = m.start_pos();
            let end = m.end_pos();
            // A message template that ast-grep cannot expand must not take the server down.
            // Expanding a template costs a parse per finding: only do it when there is a `$`.
            let message = if cfg.message.contains('$') {
                catch_unwind(AssertUnwindSafe(|| cfg.get_message(&m)))
                    .unwrap_or_else(|_| rule.message.clone())
            } else {
                cfg.message.clone()
            };
            out.push(Finding {
                rule_id: rule.id.clone(),
                severity,
                line: start.line() + 1,
                column: start.column(&m) + 1,
                end_line: end.line() + 1,
                end_column: end.column(&m) + 1,
                message: message.trim().to_string(),
                fix: rule.fix.trim().to_string(),
                guidance_uri: rule.guidance_uri.clone(),
            });
        }
    }
    Ok(out)
}

/// The depth of the deepest node, walked with a cursor: no recursion, one visit
/// per node.
fn syntax_depth(root: &tree_sitter::Node<'_>) -> usize {
    let mut cursor = root.walk();
    let (mut depth, mut deepest) = (0usize, 0usize);
    loop {
        if cursor.goto_first_child() {
            depth += 1;
            deepest = deepest.max(depth);
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return deepest;
            }
            depth -= 1;
        }
    }
}
