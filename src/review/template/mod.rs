//! Template review: CloudFormation, SAM and `cdk synth` output (YAML or JSON).
//!
//! The checks live in [`checks`]; each has the id of a rule file with
//! `template_check: true`, whose metadata (severity, fix, guidance) is used.

mod checks;
pub mod model;

use std::collections::HashMap;

pub use model::{Node, Span, Value};

use super::{Deadline, Finding, ReviewError, RuleSet, Severity};

/// Ids of the checks implemented in Rust.
pub fn has_check(id: &str) -> bool {
    checks::CHECKS.iter().any(|(cid, _)| *cid == id)
}

/// One resource of the template.
#[derive(Debug, Clone)]
pub struct Resource {
    pub id: String,
    /// The span of the logical id key.
    pub key: Span,
    pub ty: String,
    pub node: Node,
    /// `Metadata.aws:cdk:path` for `cdk synth` output.
    pub cdk_path: Option<String>,
    /// A resource the CDK adds on its own (see [`is_cdk_internal`]); checks skip it.
    pub cdk_internal: bool,
}

impl Resource {
    pub fn props(&self) -> Option<&Node> {
        self.node.get("Properties")
    }

    pub fn prop(&self, key: &str) -> Option<&Node> {
        self.props()?.get(key)
    }

    /// Span of a property key, or of the resource's logical id.
    pub fn prop_span(&self, key: &str) -> Span {
        self.props()
            .and_then(|p| p.key_span(key))
            .unwrap_or(self.key)
    }

    /// `Type Id` (plus the CDK path) for messages.
    pub fn label(&self) -> String {
        match &self.cdk_path {
            Some(p) => format!("{} ({})", self.id, p.trim_end_matches("/Resource")),
            None => self.id.clone(),
        }
    }
}

/// The parsed template.
pub struct Template {
    pub root: Node,
    pub resources: Vec<Resource>,
    by_id: HashMap<String, usize>,
    pub globals: Option<Node>,
}

impl Template {
    pub fn parse(code: &str) -> Result<Self, ReviewError> {
        let root = model::parse(code).map_err(ReviewError::Input)?;
        let mut resources = Vec::new();
        if let Some(res) = root.get("Resources") {
            for (id, key, node) in res.entries() {
                let ty = node
                    .get("Type")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string();
                if ty == "AWS::CDK::Metadata" {
                    continue;
                }
                let cdk_path = node
                    .path(&["Metadata", "aws:cdk:path"])
                    .and_then(Node::as_str)
                    .map(str::to_string);
                resources.push(Resource {
                    id: id.clone(),
                    key: *key,
                    ty,
                    node: node.clone(),
                    cdk_internal: is_cdk_internal(id, cdk_path.as_deref()),
                    cdk_path,
                });
            }
        } else {
            return Err(ReviewError::Input(
                "the template has no Resources section; is this a CloudFormation/SAM template?"
                    .into(),
            ));
        }
        let by_id = resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let globals = root.get("Globals").cloned();
        Ok(Self {
            root,
            resources,
            by_id,
            globals,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Resource> {
        self.by_id.get(id).and_then(|&i| self.resources.get(i))
    }

    /// The resources of these types, without the CDK's internal ones (their configuration is
    /// not the user's to change).
    pub fn of_type<'a>(&'a self, types: &'a [&'a str]) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .iter()
            .filter(move |r| !r.cdk_internal && types.contains(&r.ty.as_str()))
    }

    /// A SAM property: the resource's own, else the matching `Globals` section's.
    pub fn sam_prop<'a>(&'a self, r: &'a Resource, key: &str) -> Option<&'a Node> {
        if let Some(v) = r.prop(key) {
            return Some(v);
        }
        let section = match r.ty.as_str() {
            "AWS::Serverless::Function" => "Function",
            "AWS::Serverless::Api" => "Api",
            "AWS::Serverless::HttpApi" => "HttpApi",
            "AWS::Serverless::SimpleTable" => "SimpleTable",
            "AWS::Serverless::StateMachine" => "StateMachine",
            _ => return None,
        };
        self.globals.as_ref()?.path(&[section, key])
    }

    /// The type of the resource a value points at.
    pub fn target_type(&self, node: &Node) -> Option<&str> {
        node.ref_target()
            .and_then(|id| self.get(id))
            .map(|r| r.ty.as_str())
    }
}

/// True for a resource that the CDK synthesizes for its own machinery rather than for the
/// user's constructs: the handler functions (and roles) of CDK custom resources, such as the
/// `BucketNotificationsHandler<uuid>` singleton behind `Custom::S3BucketNotifications`, the
/// `LogRetention<uuid>` and `AWS<uuid>` singletons, and `Custom::*CustomResourceProvider`s.
/// Singleton functions carry a 32-digit lowercase hex UUID in their construct id (and so in
/// their logical id); providers have a `Custom::` segment in their `aws:cdk:path`.
pub fn is_cdk_internal(logical_id: &str, cdk_path: Option<&str>) -> bool {
    fn has_uuid(s: &str) -> bool {
        let mut run = 0;
        for c in s.chars() {
            if c.is_ascii_digit() || ('a'..='f').contains(&c) {
                run += 1;
                if run >= 32 {
                    return true;
                }
            } else {
                run = 0;
            }
        }
        false
    }
    if let Some(path) = cdk_path
        && path
            .split('/')
            .any(|seg| seg.starts_with("Custom::") || has_uuid(seg))
    {
        return true;
    }
    has_uuid(logical_id) || logical_id.contains("CustomResourceProvider")
}

/// Collects findings, filling in rule metadata; checks whose rule is not loaded emit nothing.
pub(crate) struct Out<'r> {
    rules: &'r RuleSet,
    pub findings: Vec<Finding>,
}

impl Out<'_> {
    pub fn report(&mut self, id: &str, at: Span, message: String) {
        self.report_as(id, at, message, None);
    }

    pub fn report_as(&mut self, id: &str, at: Span, message: String, severity: Option<Severity>) {
        let Some(rule) = self.rules.get(id) else {
            return;
        };
        if !rule.template_check {
            return;
        }
        self.findings.push(Finding {
            rule_id: rule.id.clone(),
            severity: severity.unwrap_or(rule.severity),
            line: at.line,
            column: at.column,
            end_line: at.end_line,
            end_column: at.end_column,
            message,
            fix: rule.fix.trim().to_string(),
            guidance_uri: rule.guidance_uri.clone(),
        });
    }
}

/// Runs every template check whose rule is loaded.
pub(crate) fn review_template(
    rules: &RuleSet,
    code: &str,
    deadline: &Deadline,
) -> Result<Vec<Finding>, ReviewError> {
    let t = Template::parse(code)?;
    let mut out = Out {
        rules,
        findings: Vec::new(),
    };
    for (id, check) in checks::CHECKS {
        if rules.get(id).is_some_and(|r| r.template_check) {
            deadline.check()?;
            check(&t, &mut out);
        }
    }
    Ok(out.findings)
}
