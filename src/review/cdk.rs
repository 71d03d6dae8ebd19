//! Cross-construct checks over CDK code (TypeScript/JavaScript and Python) that
//! a single ast-grep pattern cannot express: they join constructs by the
//! variable they are assigned to and compare values across them. Rules opt in
//! with `cdk_check: true`; the check itself is Rust, like template checks.
//! A value that cannot be resolved (a variable, an imported construct, a name
//! declared twice) keeps the check silent.

use std::collections::HashMap;

use regex::Regex;

use super::{Finding, Language, RuleSet};

/// A constant pattern, compiled once per process (reviews run on every request).
macro_rules! regex {
    ($pattern:literal) => {{
        static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        RE.get_or_init(|| Regex::new($pattern).unwrap_or_else(|_| unreachable!("constant pattern")))
    }};
}

type Check = fn(&Source<'_>) -> Vec<Hit>;

const CHECKS: &[(&str, Check)] = &[("sqs-visibility-timeout-too-low", sqs_visibility_timeout)];

/// Whether a built-in CDK check exists for this rule id.
pub(crate) fn has_check(id: &str) -> bool {
    CHECKS.iter().any(|(c, _)| *c == id)
}

/// Runs the CDK checks of the loaded rules that ask for them.
pub(crate) fn scan(rules: &RuleSet, lang: Language, code: &str) -> Vec<Finding> {
    let dialect = match lang {
        Language::TypeScript | Language::Tsx | Language::JavaScript => Dialect::TypeScript,
        Language::Python => Dialect::Python,
        Language::CloudFormation => return Vec::new(),
    };
    // CDK code imports aws-cdk-lib; anything else (a handler) is not a stack.
    if !code.contains("aws-cdk-lib") && !code.contains("aws_cdk") {
        return Vec::new();
    }
    let src = Source::new(code, dialect);
    let mut out = Vec::new();
    for (id, check) in CHECKS {
        let Some(rule) = rules.get(id).filter(|r| r.cdk_check) else {
            continue;
        };
        for hit in check(&src) {
            let (line, column) = src.position(hit.start);
            let (end_line, end_column) = src.position(hit.end);
            out.push(Finding {
                rule_id: rule.id.clone(),
                severity: rule.severity,
                line,
                column,
                end_line,
                end_column,
                message: hit.message,
                fix: rule.fix.trim().to_string(),
                guidance_uri: rule.guidance_uri.clone(),
            });
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    TypeScript,
    Python,
}

/// A finding before it gets the rule's metadata: a byte range and a message.
struct Hit {
    start: usize,
    end: usize,
    message: String,
}

/// `name = new X(...)` / `name = X(...)`: the variable, the constructor's last
/// name segment, and the argument text with its byte offset.
struct Construct<'a> {
    name: String,
    ctor: String,
    name_start: usize,
    args: &'a str,
    args_start: usize,
}

struct Source<'a> {
    code: &'a str,
    dialect: Dialect,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(code: &'a str, dialect: Dialect) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(code.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            code,
            dialect,
            line_starts,
        }
    }

    /// 1-based line and character column of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .code
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line, column + 1)
    }

    /// Every construct assigned to a variable (or `this.`/`self.` attribute).
    fn constructs(&self) -> Vec<Construct<'a>> {
        let re = match self.dialect {
            Dialect::TypeScript => ts_construct(),
            Dialect::Python => py_construct(),
        };
        let pairs = paren_pairs(self.code, self.dialect);
        re.captures_iter(self.code)
            .filter_map(|c| {
                let whole = c.get(0)?;
                let name = c.get(1)?;
                let ctor = c.get(2)?;
                // The match ends just after the opening parenthesis.
                let args_start = whole.end();
                let args_end = *pairs.get(&args_start)?;
                Some(Construct {
                    name: name.as_str().to_string(),
                    ctor: ctor.as_str().to_string(),
                    name_start: name.start(),
                    args: self.code.get(args_start..args_end)?,
                    args_start,
                })
            })
            .collect()
    }
}

fn ts_construct() -> &'static Regex {
    regex!(
        r"(?:\b(?:const|let|var)\s+|\bthis\.)([A-Za-z_$][\w$]*)\s*(?::\s*[\w$.<>]+\s*)?=\s*new\s+(?:[\w$]+\.)*([\w$]+)\s*\("
    )
}

fn py_construct() -> &'static Regex {
    regex!(
        r"(?m)^[ \t]*(?:self\.)?([A-Za-z_]\w*)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)\s*\("
    )
}

/// For every `(` outside strings and comments, the byte offset just after it
/// mapped to the offset of the `)` that closes it. One pass over the code: a
/// search per construct was quadratic on thousands of unclosed calls.
fn paren_pairs(code: &str, dialect: Dialect) -> HashMap<usize, usize> {
    let bytes = code.as_bytes();
    let mut pairs = HashMap::new();
    // Offsets just after each open bracket; brackets of any kind nest together.
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'(' | b'[' | b'{' => open.push((b, i + 1)),
            b')' | b']' | b'}' => {
                if let Some((opener, after)) = open.pop()
                    && opener == b'('
                    && b == b')'
                {
                    pairs.insert(after, i);
                }
            }
            b'"' | b'\'' | b'`' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    if c == b'\\' {
                        i += 1;
                    } else if c == b {
                        break;
                    }
                    i += 1;
                }
            }
            b'#' if dialect == Dialect::Python => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'/' if dialect == Dialect::TypeScript && bytes.get(i + 1) == Some(&b'/') => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    pairs
}

/// A `Duration.seconds|minutes|hours(N)` value of `key` in construct arguments:
/// `Some(Some(secs))` when resolved, `Some(None)` when the key is there but its
/// value is not a literal duration, `None` when the key is absent.
fn duration_prop(args: &str, key: &Regex) -> Option<Option<(u64, usize, usize)>> {
    let at = key.find(args)?;
    let value_re = regex!(r"^\s*(?:[\w$]+\.)*Duration\.(seconds|minutes|hours)\(\s*(\d+)\s*\)");
    let rest = args.get(at.end()..)?;
    let Some(c) = value_re.captures(rest) else {
        return Some(None);
    };
    let n: u64 = c.get(2)?.as_str().parse().ok()?;
    let secs = match c.get(1)?.as_str() {
        "seconds" => n,
        "minutes" => n.saturating_mul(60),
        _ => n.saturating_mul(3600),
    };
    let end = at.end() + c.get(0)?.end();
    Some(Some((secs, at.start(), end)))
}

const FUNCTION_CTORS: &[&str] = &[
    "Function",
    "NodejsFunction",
    "PythonFunction",
    "DockerImageFunction",
    "GoFunction",
];
/// Lambda's default timeout and SQS's default visibility timeout, in seconds.
const DEFAULT_FUNCTION_TIMEOUT: u64 = 3;
const DEFAULT_VISIBILITY_TIMEOUT: u64 = 30;

/// C06: a queue consumed by a function (`fn.addEventSource(new SqsEventSource(q))`,
/// or `events: [new SqsEventSource(q)]` in the function's props) whose visibility
/// timeout is below six times the function's timeout.
fn sqs_visibility_timeout(src: &Source<'_>) -> Vec<Hit> {
    let constructs = src.constructs();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for c in &constructs {
        *count.entry(c.name.as_str()).or_default() += 1;
    }
    // A name bound twice could be either construct: stay silent about it.
    let unique = |name: &str| count.get(name) == Some(&1);
    let find = |name: &str, ctors: &[&str]| {
        constructs
            .iter()
            .find(|c| c.name == name && ctors.contains(&c.ctor.as_str()) && unique(name))
    };

    let mut pairs: Vec<(String, String)> = Vec::new();
    let (wiring, in_props, timeout_key, visibility_key) = match src.dialect {
        Dialect::TypeScript => (
            regex!(
                r"(?:\bthis\.)?([A-Za-z_$][\w$]*)\s*\.\s*addEventSource\(\s*new\s+(?:[\w$]+\.)*SqsEventSource\(\s*(?:this\.)?([A-Za-z_$][\w$]*)\s*[,)]"
            ),
            regex!(r"new\s+(?:[\w$]+\.)*SqsEventSource\(\s*(?:this\.)?([A-Za-z_$][\w$]*)\s*[,)]"),
            regex!(r"\btimeout\s*:"),
            regex!(r"\bvisibilityTimeout\s*:"),
        ),
        Dialect::Python => (
            regex!(
                r"(?:\bself\.)?([A-Za-z_]\w*)\s*\.\s*add_event_source\(\s*(?:[A-Za-z_]\w*\.)*SqsEventSource\(\s*(?:self\.)?([A-Za-z_]\w*)\s*[,)]"
            ),
            regex!(r"(?:[A-Za-z_]\w*\.)*SqsEventSource\(\s*(?:self\.)?([A-Za-z_]\w*)\s*[,)]"),
            regex!(r"\btimeout\s*="),
            regex!(r"\bvisibility_timeout\s*="),
        ),
    };
    for c in wiring.captures_iter(src.code) {
        if let (Some(f), Some(q)) = (c.get(1), c.get(2)) {
            pairs.push((f.as_str().to_string(), q.as_str().to_string()));
        }
    }
    for f in constructs
        .iter()
        .filter(|c| FUNCTION_CTORS.contains(&c.ctor.as_str()))
    {
        for c in in_props.captures_iter(f.args) {
            if let Some(q) = c.get(1) {
                pairs.push((f.name.clone(), q.as_str().to_string()));
            }
        }
    }
    pairs.sort();
    pairs.dedup();

    let mut hits = Vec::new();
    for (f_name, q_name) in pairs {
        let (Some(f), Some(q)) = (find(&f_name, FUNCTION_CTORS), find(&q_name, &["Queue"])) else {
            continue;
        };
        let timeout = match duration_prop(f.args, timeout_key) {
            None => DEFAULT_FUNCTION_TIMEOUT,
            Some(Some((secs, _, _))) => secs,
            Some(None) => continue,
        };
        let (visibility, start, end) = match duration_prop(q.args, visibility_key) {
            None => (
                DEFAULT_VISIBILITY_TIMEOUT,
                q.name_start,
                q.name_start + q.name.len(),
            ),
            Some(Some((secs, s, e))) => (secs, q.args_start + s, q.args_start + e),
            Some(None) => continue,
        };
        let wanted = timeout.saturating_mul(6);
        if visibility >= wanted {
            continue;
        }
        let mut message = format!(
            "queue `{q_name}` has a visibility timeout of {visibility} s, less than six times the {timeout} s timeout of `{f_name}` that consumes it ({wanted} s)"
        );
        if visibility < timeout {
            message.push_str("; it is even below the function timeout, so the event source mapping cannot be created");
        }
        hits.push(Hit {
            start,
            end,
            message,
        });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(code: &str, dialect: Dialect) -> Vec<String> {
        sqs_visibility_timeout(&Source::new(code, dialect))
            .into_iter()
            .map(|h| h.message)
            .collect()
    }

    #[test]
    fn typescript_join_and_defaults() {
        let code = "import * as cdk from 'aws-cdk-lib';\nconst queue = new sqs.Queue(this, 'Q', { visibilityTimeout: cdk.Duration.seconds(60) });\nconst fn = new lambda.Function(this, 'F', { timeout: Duration.seconds(30), code });\nfn.addEventSource(new SqsEventSource(queue, { batchSize: 10 }));\n";
        let m = run(code, Dialect::TypeScript);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("60 s") && m[0].contains("180 s"), "{m:?}");
        // Defaults: 30 s visibility, 3 s timeout: fine.
        let ok = "const q = new Queue(this, 'Q');\nconst f = new NodejsFunction(this, 'F', {});\nf.addEventSource(new SqsEventSource(q));\n";
        assert!(run(ok, Dialect::TypeScript).is_empty());
        // Unresolvable value: silent.
        let var = "const q = new Queue(this, 'Q', { visibilityTimeout: vis });\nconst f = new Function(this, 'F', { timeout: Duration.minutes(5) });\nf.addEventSource(new SqsEventSource(q));\n";
        assert!(run(var, Dialect::TypeScript).is_empty());
    }

    #[test]
    fn python_join_and_below_the_timeout() {
        let code = "from aws_cdk import Duration\nqueue = sqs.Queue(self, \"Q\", visibility_timeout=Duration.seconds(20))\nfn = _lambda.Function(self, \"F\", timeout=Duration.seconds(30), handler=\"index.handler\")\nfn.add_event_source(SqsEventSource(queue))\n";
        let m = run(code, Dialect::Python);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("cannot be created"), "{m:?}");
    }

    #[test]
    fn parens_pair_past_strings_and_comments() {
        let code = "f(a, \")\", ')' // )\n, b)";
        let pairs = paren_pairs(code, Dialect::TypeScript);
        assert_eq!(pairs.get(&2), Some(&(code.len() - 1)));
        let py = "f(a, ')' # )\n, b)";
        assert_eq!(
            paren_pairs(py, Dialect::Python).get(&2),
            Some(&(py.len() - 1))
        );
        assert!(paren_pairs("f(", Dialect::Python).is_empty());
        // A `(` closed by another kind of bracket is not a call's argument list.
        assert!(paren_pairs("f(a]", Dialect::TypeScript).is_empty());
        // Thousands of unclosed calls: each construct is skipped, none is searched for.
        let unclosed = format!(
            "import 'aws-cdk-lib';\n{}",
            "const q = new Queue(\n".repeat(20_000)
        );
        let src = Source::new(&unclosed, Dialect::TypeScript);
        assert!(src.constructs().is_empty());
    }
}
