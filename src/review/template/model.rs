//! A normalised, position-keeping model of CloudFormation/SAM templates.
//!
//! YAML (with short-form intrinsic tags) and JSON are both read with saphyr (JSON is
//! YAML 1.2 flow syntax), so every node keeps its line and column. Short forms are
//! rewritten to the long form: `!Ref X` -> `{Ref: X}`, `!GetAtt A.B` ->
//! `{Fn::GetAtt: [A, B]}`, `!Sub s` -> `{Fn::Sub: s}`, `!Condition c` -> `{Condition: c}`.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// Where a node is: 1-based lines and columns (characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Span, Node)>),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

impl Node {
    fn new(value: Value, span: Span) -> Self {
        Self { value, span }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    /// The span of `key` in this mapping (the key itself, for pointing at a property).
    pub fn key_span(&self, key: &str) -> Option<Span> {
        match &self.value {
            Value::Map(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, s, _)| *s),
            _ => None,
        }
    }

    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn entries(&self) -> &[(String, Span, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Numbers, and strings that hold numbers (CloudFormation accepts both).
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Num(n) => Some(*n),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// True for `{Ref: ..}`, `{Fn::*: ..}` and `{Condition: ..}`: a value known only at deploy time.
    pub fn is_intrinsic(&self) -> bool {
        match &self.value {
            Value::Map(m) if m.len() == 1 => m
                .first()
                .is_some_and(|(k, _, _)| k == "Ref" || k == "Condition" || k.starts_with("Fn::")),
            _ => false,
        }
    }

    /// The logical id this value points at: `Ref X`, `GetAtt X.Attr`, or a `Sub`
    /// that is a single `${X}` / `${X.Attr}`.
    pub fn ref_target(&self) -> Option<&str> {
        if let Some(r) = self.get("Ref").and_then(Node::as_str) {
            return Some(r);
        }
        if let Some(g) = self.get("Fn::GetAtt") {
            return match &g.value {
                Value::Seq(s) => s.first().and_then(Node::as_str),
                Value::Str(s) => s.split('.').next(),
                _ => None,
            };
        }
        if let Some(s) = self.get("Fn::Sub").and_then(Node::as_str) {
            let t = s.trim();
            if t.starts_with("${") && t.ends_with('}') && t.matches("${").count() == 1 {
                return t[2..t.len() - 1].split('.').next();
            }
        }
        None
    }

    /// Every logical id referenced anywhere inside this value (Ref, GetAtt, Sub variables).
    pub fn all_refs(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs(&self, out: &mut Vec<String>) {
        match &self.value {
            Value::Map(m) => {
                for (k, _, v) in m {
                    match k.as_str() {
                        "Ref" => {
                            if let Some(s) = v.as_str() {
                                out.push(s.to_string());
                            }
                        }
                        "Fn::GetAtt" => {
                            if let Some(s) = v.ref_target_of_getatt() {
                                out.push(s.to_string());
                            }
                        }
                        "Fn::Sub" => {
                            let s = match &v.value {
                                Value::Str(s) => Some(s.as_str()),
                                Value::Seq(items) => items.first().and_then(Node::as_str),
                                _ => None,
                            };
                            if let Some(s) = s {
                                out.extend(sub_vars(s));
                            }
                            v.collect_refs(out);
                        }
                        _ => v.collect_refs(out),
                    }
                }
            }
            Value::Seq(s) => s.iter().for_each(|n| n.collect_refs(out)),
            _ => {}
        }
    }

    fn ref_target_of_getatt(&self) -> Option<&str> {
        match &self.value {
            Value::Seq(s) => s.first().and_then(Node::as_str),
            Value::Str(s) => s.split('.').next(),
            _ => None,
        }
    }

    /// A literal string, also through `Fn::Sub` without variables and `Fn::Join` of literals.
    pub fn literal_string(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Num(n) => Some(n.to_string()),
            _ => {
                if let Some(s) = self.get("Fn::Sub").and_then(Node::as_str) {
                    return (!s.contains("${")).then(|| s.to_string());
                }
                if let Some(j) = self.get("Fn::Join") {
                    let items = j.items();
                    let sep = items.first()?.as_str()?;
                    let parts: Option<Vec<String>> = items
                        .get(1)?
                        .items()
                        .iter()
                        .map(Node::literal_string)
                        .collect();
                    return parts.map(|p| p.join(sep));
                }
                None
            }
        }
    }

    /// Every string leaf (for scanning values such as ARNs inside `Fn::Join`/`Fn::Sub`).
    pub fn strings(&self) -> Vec<&str> {
        let mut out = Vec::new();
        fn walk<'a>(n: &'a Node, out: &mut Vec<&'a str>) {
            match &n.value {
                Value::Str(s) => out.push(s),
                Value::Seq(s) => s.iter().for_each(|c| walk(c, out)),
                Value::Map(m) => m.iter().for_each(|(_, _, c)| walk(c, out)),
                _ => {}
            }
        }
        walk(self, &mut out);
        out
    }

    /// Items of a list, or the value itself when it is a single scalar (IAM `Action: x`).
    pub fn one_or_many(&self) -> Vec<&Node> {
        match &self.value {
            Value::Seq(s) => s.iter().collect(),
            Value::Null => Vec::new(),
            _ => vec![self],
        }
    }
}

/// `${Name}` and `${Name.Attr}` variables of a `Fn::Sub` string (not `${AWS::...}` or `${!Literal}`).
pub fn sub_vars(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let var = &after[..end];
        if !var.starts_with('!')
            && !var.starts_with("AWS::")
            && let Some(id) = var.split('.').next()
        {
            out.push(id.to_string());
        }
        rest = &after[end..];
    }
    out
}

/// Deepest nesting of mappings and sequences a template may have, counting what
/// aliases expand to. Real templates stay under 20; building and walking the tree
/// recurses, so deeper input is refused before the tree is built.
pub const MAX_TEMPLATE_DEPTH: usize = 128;

/// Most nodes that YAML aliases may expand to (saphyr's own budget), against
/// "billion laughs" documents.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// Parses a template; the error names the line.
pub fn parse(code: &str) -> Result<Node, String> {
    check_depth(code)?;
    let docs = MarkedYaml::load_from_str(code).map_err(|e| {
        let m = e.marker();
        let info = e.info();
        let info = if info.contains("alias expansion") {
            format!(
                "its aliases expand to more than {MAX_ALIAS_NODES} nodes, the limit for YAML aliases"
            )
        } else {
            info.to_string()
        };
        format!(
            "cannot parse the template at line {}, column {}: {info}",
            m.line(),
            m.col() + 1,
        )
    })?;
    let doc = docs.into_iter().next().ok_or("the template is empty")?;
    Ok(convert(&doc))
}

/// Refuses a template nested deeper than [`MAX_TEMPLATE_DEPTH`], reading parser
/// events (no recursion). An alias counts as deep as the node it names. Other
/// syntax errors are left to the loader, which reports them with more context.
fn check_depth(code: &str) -> Result<(), String> {
    use saphyr_parser::{Event, Parser};
    use std::collections::HashMap;

    struct Open {
        anchor: usize,
        /// Height of the tallest child so far (a scalar is 0).
        tallest: usize,
    }
    let too_deep = |line: usize| {
        Err(format!(
            "the template nests mappings and sequences more than {MAX_TEMPLATE_DEPTH} levels deep at line {line}, over the limit for templates"
        ))
    };
    let mut open: Vec<Open> = Vec::new();
    let mut heights: HashMap<usize, usize> = HashMap::new();
    for event in Parser::new_from_str(code) {
        let (event, span) = match event {
            Ok(e) => e,
            // The scanner's own cap on flow nesting (`[[[...`) is the same limit.
            Err(e) if e.info().contains("recursion limit") => return too_deep(e.marker().line()),
            Err(_) => return Ok(()),
        };
        let child_height = match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push(Open { anchor, tallest: 0 });
                if open.len() > MAX_TEMPLATE_DEPTH {
                    return too_deep(span.start.line());
                }
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(done) = open.pop() else { continue };
                let height = done.tallest + 1;
                if done.anchor != 0 {
                    heights.insert(done.anchor, height);
                }
                height
            }
            Event::Alias(id) => {
                let height = heights.get(&id).copied().unwrap_or(0);
                if open.len() + height > MAX_TEMPLATE_DEPTH {
                    return too_deep(span.start.line());
                }
                height
            }
            _ => continue,
        };
        if let Some(parent) = open.last_mut() {
            parent.tallest = parent.tallest.max(child_height);
        }
    }
    Ok(())
}

fn span_of(y: &MarkedYaml<'_>) -> Span {
    let s = y.span.start;
    let e = y.span.end;
    Span {
        line: s.line(),
        column: s.col() + 1,
        end_line: e.line().max(s.line()),
        end_column: if e.line() > s.line() || e.col() > s.col() {
            e.col() + 1
        } else {
            s.col() + 1
        },
    }
}

fn scalar_value(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Num(*i as f64),
        Scalar::FloatingPoint(f) => Value::Num(f.into_inner()),
        Scalar::String(s) => Value::Str(s.to_string()),
    }
}

fn convert(y: &MarkedYaml<'_>) -> Node {
    let span = span_of(y);
    let value = match &y.data {
        YamlData::Value(s) => scalar_value(s),
        YamlData::Representation(s, _, _) => Value::Str(s.to_string()),
        YamlData::Sequence(items) => Value::Seq(items.iter().map(convert).collect()),
        YamlData::Mapping(map) => Value::Map(
            map.iter()
                .map(|(k, v)| {
                    let key = match &k.data {
                        YamlData::Value(s) => match scalar_value(s) {
                            Value::Str(s) => s,
                            Value::Num(n) => n.to_string(),
                            Value::Bool(b) => b.to_string(),
                            _ => String::new(),
                        },
                        YamlData::Representation(s, _, _) => s.to_string(),
                        _ => String::new(),
                    };
                    (key, span_of(k), convert(v))
                })
                .collect(),
        ),
        YamlData::Tagged(tag, inner) => {
            let inner = convert(inner);
            let name = tag.suffix.as_str();
            if tag.handle != "!" {
                // `!!str` and friends: the value is already typed.
                return Node::new(inner.value, span);
            }
            let (key, val) = match name {
                "Ref" => ("Ref".to_string(), inner),
                "Condition" => ("Condition".to_string(), inner),
                "GetAtt" => {
                    let val = match &inner.value {
                        Value::Str(s) => {
                            let (a, b) = s.split_once('.').unwrap_or((s.as_str(), ""));
                            Node::new(
                                Value::Seq(vec![
                                    Node::new(Value::Str(a.to_string()), inner.span),
                                    Node::new(Value::Str(b.to_string()), inner.span),
                                ]),
                                inner.span,
                            )
                        }
                        _ => inner,
                    };
                    ("Fn::GetAtt".to_string(), val)
                }
                other => (format!("Fn::{other}"), inner),
            };
            Value::Map(vec![(key, span, val)])
        }
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    };
    Node::new(value, span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_tags_and_positions() {
        let t = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Arn: !GetAtt Dlq.Arn\n      Name: !Sub '${AWS::StackName}-${Env}'\n";
        let n = parse(t).expect("parses");
        let arn = n
            .path(&["Resources", "Q", "Properties", "Arn"])
            .expect("arn");
        assert_eq!(arn.ref_target(), Some("Dlq"));
        assert_eq!(arn.span.line, 5);
        let name = n
            .path(&["Resources", "Q", "Properties", "Name"])
            .expect("name");
        assert_eq!(name.all_refs(), vec!["Env".to_string()]);
        assert_eq!(name.literal_string(), None);
    }

    #[test]
    fn json_keeps_positions() {
        let t = "{\n  \"Resources\": {\n    \"Q\": {\n      \"Type\": \"AWS::SQS::Queue\",\n      \"Properties\": {\"VisibilityTimeout\": 30}\n    }\n  }\n}\n";
        let n = parse(t).expect("parses");
        let q = n.path(&["Resources", "Q"]).expect("q");
        assert_eq!(
            q.get("Type").and_then(Node::as_str),
            Some("AWS::SQS::Queue")
        );
        let r = n.get("Resources").expect("r");
        assert_eq!(r.key_span("Q").map(|s| (s.line, s.column)), Some((3, 5)));
        let v = n
            .path(&["Resources", "Q", "Properties", "VisibilityTimeout"])
            .expect("v");
        assert_eq!(v.as_f64(), Some(30.0));
    }

    #[test]
    fn block_nesting_past_the_limit_is_refused_before_the_tree_is_built() {
        // `- - - x` nests one sequence per two bytes: 300,000 levels overflowed the
        // stack when the tree was built (found by the hostile-input sweep).
        let code = format!(
            "Resources:\n  A:\n    X:\n      {}x\n",
            "- ".repeat(300_000)
        );
        let err = parse(&code).expect_err("too deep");
        assert!(err.contains("more than 128 levels deep at line 4"), "{err}");
        let ok = format!("Resources:\n  {}x\n", "- ".repeat(MAX_TEMPLATE_DEPTH - 2));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn aliases_count_as_deep_as_what_they_name() {
        // Each anchor wraps the previous alias in 20 more levels: shallow text,
        // deep tree once aliases are expanded.
        let mut code = String::from("Resources:\n  a0: &a0 x\n");
        for i in 1..10 {
            let p = i - 1;
            code.push_str(&format!(
                "  a{i}: &a{i} {}*a{p}{}\n",
                "[".repeat(20),
                "]".repeat(20)
            ));
        }
        let err = parse(&code).expect_err("too deep");
        assert!(err.contains("more than 128 levels deep at line 9"), "{err}");
    }

    #[test]
    fn an_alias_bomb_names_the_alias_limit() {
        let mut code = String::from("Resources:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            code.push_str(&format!(
                "  a{i}: &a{i} [{}]\n",
                vec![format!("*a{p}"); 10].join(", ")
            ));
        }
        let err = parse(&code).expect_err("bomb");
        assert!(
            err.contains("more than 100000 nodes, the limit for YAML aliases"),
            "{err}"
        );
    }
}
