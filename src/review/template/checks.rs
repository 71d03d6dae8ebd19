//! The template checks. Each one stays silent when a value it needs is an
//! intrinsic it cannot resolve (a parameter, an import): no guessing.

use std::collections::{HashMap, HashSet};

use super::{Node, Out, Resource, Span, Template, Value};
use crate::review::Severity;

type Check = fn(&Template, &mut Out<'_>);

pub(super) const CHECKS: &[(&str, Check)] = &[
    ("hardcoded-physical-name", hardcoded_physical_name),
    ("stateful-resource-destroy-policy", stateful_destroy),
    ("lambda-tracing-disabled", lambda_tracing),
    ("api-tracing-disabled", api_tracing),
    ("state-machine-tracing-disabled", sfn_tracing),
    ("state-machine-logging-disabled", sfn_logging),
    ("step-functions-workflow-type-mismatch", sfn_type),
    ("lambda-log-retention-unbounded", lambda_log_retention),
    ("log-group-without-retention", log_group_retention),
    ("deprecated-log-retention-prop", deprecated_log_retention),
    ("sqs-queue-without-dlq", sqs_without_dlq),
    ("sqs-fifo-without-deduplication", sqs_fifo),
    (
        "async-lambda-without-failure-destination",
        async_failure_destination,
    ),
    ("eventbridge-target-without-dlq", eventbridge_target_dlq),
    (
        "stream-source-without-failure-handling",
        stream_failure_handling,
    ),
    ("sns-subscription-without-dlq", sns_subscription_dlq),
    ("sqs-visibility-timeout-too-low", sqs_visibility_timeout),
    (
        "sqs-event-source-without-batch-failures",
        sqs_batch_failures,
    ),
    (
        "unbounded-concurrency-to-constrained-downstream",
        unbounded_concurrency,
    ),
    (
        "dynamodb-provisioned-without-autoscaling",
        dynamodb_autoscaling,
    ),
    ("dynamodb-without-pitr", dynamodb_pitr),
    ("iam-wildcard-permissions", iam_wildcards),
    ("iam-admin-managed-policy", iam_admin_managed),
    ("secret-in-environment-variable", secret_in_env),
    ("lambda-default-timeout", lambda_default_timeout),
    ("lambda-default-memory", lambda_default_memory),
    ("lambda-deprecated-runtime", lambda_deprecated_runtime),
    ("lambda-json-logging-disabled", lambda_json_logging),
    ("recursive-loop-allowed", recursive_loop),
    ("lambda-to-lambda-wiring", lambda_to_lambda),
    (
        "lambda-permission-multiple-principals",
        permission_principals,
    ),
    ("api-stage-without-access-logs", api_access_logs),
    ("api-access-log-not-json", api_access_log_json),
    ("api-without-throttling", api_throttling),
    ("api-method-without-authorization", api_authorization),
    ("function-url-without-auth", function_url_auth),
    ("appsync-tracing-disabled", appsync_tracing),
];

const FUNCTIONS: &[&str] = &["AWS::Lambda::Function", "AWS::Serverless::Function"];

fn is_sam(r: &Resource) -> bool {
    r.ty.starts_with("AWS::Serverless::")
}

/// A property of a function, with SAM Globals applied.
fn fprop<'a>(t: &'a Template, r: &'a Resource, key: &str) -> Option<&'a Node> {
    if is_sam(r) {
        t.sam_prop(r, key)
    } else {
        r.prop(key)
    }
}

fn str_eq(n: Option<&Node>, want: &str) -> bool {
    n.and_then(Node::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case(want))
}

fn is_true(n: Option<&Node>) -> bool {
    n.and_then(Node::as_bool) == Some(true)
}

/// SAM `Events` of a function: (name, key span, Type, Properties).
fn sam_events(r: &Resource) -> Vec<(&str, Span, &str, Option<&Node>)> {
    if r.ty != "AWS::Serverless::Function" {
        return Vec::new();
    }
    let Some(events) = r.prop("Events") else {
        return Vec::new();
    };
    events
        .entries()
        .iter()
        .map(|(name, span, ev)| {
            (
                name.as_str(),
                *span,
                ev.get("Type").and_then(Node::as_str).unwrap_or(""),
                ev.get("Properties"),
            )
        })
        .collect()
}

/// The function a `FunctionName`-like value designates: by reference, or by a
/// literal name/ARN matching a function's `FunctionName`.
fn resolve_function<'a>(t: &'a Template, n: &Node) -> Option<&'a Resource> {
    if let Some(id) = n.ref_target() {
        return t.get(id).filter(|r| FUNCTIONS.contains(&r.ty.as_str()));
    }
    let lit = n.as_str()?;
    let name = lit.rsplit(':').next().unwrap_or(lit);
    t.of_type(FUNCTIONS)
        .find(|r| r.prop("FunctionName").and_then(Node::as_str) == Some(name))
}

// ---------------------------------------------------------------- names and policies

fn hardcoded_physical_name(t: &Template, out: &mut Out<'_>) {
    const NAMED: &[(&str, &str)] = &[
        ("AWS::Lambda::Function", "FunctionName"),
        ("AWS::Serverless::Function", "FunctionName"),
        ("AWS::DynamoDB::Table", "TableName"),
        ("AWS::DynamoDB::GlobalTable", "TableName"),
        ("AWS::Serverless::SimpleTable", "TableName"),
        ("AWS::SQS::Queue", "QueueName"),
        ("AWS::SNS::Topic", "TopicName"),
        ("AWS::S3::Bucket", "BucketName"),
        ("AWS::Events::EventBus", "Name"),
        ("AWS::Events::Rule", "Name"),
        ("AWS::Kinesis::Stream", "Name"),
        ("AWS::StepFunctions::StateMachine", "StateMachineName"),
        ("AWS::Serverless::StateMachine", "Name"),
        ("AWS::IAM::Role", "RoleName"),
        ("AWS::SecretsManager::Secret", "Name"),
    ];
    for r in &t.resources {
        for (ty, prop) in NAMED {
            if r.ty != *ty {
                continue;
            }
            let Some(v) = r.prop(prop) else { continue };
            if let Some(name) = v.literal_string() {
                out.report(
                    "hardcoded-physical-name",
                    r.prop_span(prop),
                    format!(
                        "{} {} sets a hard-coded {prop} `{name}`: the resource cannot be replaced on update and the name collides across stacks and stages",
                        r.ty,
                        r.label()
                    ),
                );
            }
        }
    }
}

fn stateful_destroy(t: &Template, out: &mut Out<'_>) {
    const STATEFUL: &[&str] = &[
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::Serverless::SimpleTable",
        "AWS::S3::Bucket",
        "AWS::Kinesis::Stream",
        "AWS::Cognito::UserPool",
        "AWS::SecretsManager::Secret",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::Logs::LogGroup",
    ];
    for r in t.of_type(STATEFUL) {
        for key in ["DeletionPolicy", "UpdateReplacePolicy"] {
            if str_eq(r.node.get(key), "Delete") {
                let sev = (r.ty == "AWS::Logs::LogGroup").then_some(Severity::Warning);
                out.report_as(
                    "stateful-resource-destroy-policy",
                    r.node.key_span(key).unwrap_or(r.key),
                    format!(
                        "{} {} has {key}: Delete; deleting or replacing the stack destroys its data",
                        r.ty,
                        r.label()
                    ),
                    sev,
                );
                break;
            }
        }
    }
}

// ---------------------------------------------------------------- tracing and logging

fn lambda_tracing(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(FUNCTIONS) {
        let (active, span) = if is_sam(r) {
            let v = fprop(t, r, "Tracing");
            if v.is_some_and(Node::is_intrinsic) {
                continue;
            }
            (str_eq(v, "Active"), r.prop_span("Tracing"))
        } else {
            let v = r.prop("TracingConfig");
            if v.and_then(|v| v.get("Mode"))
                .is_some_and(Node::is_intrinsic)
            {
                continue;
            }
            (
                str_eq(v.and_then(|v| v.get("Mode")), "Active"),
                r.prop_span("TracingConfig"),
            )
        };
        if !active {
            out.report(
                "lambda-tracing-disabled",
                span,
                format!(
                    "Lambda function {} does not have X-Ray active tracing",
                    r.label()
                ),
            );
        }
    }
}

fn sfn_tracing(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&[
        "AWS::StepFunctions::StateMachine",
        "AWS::Serverless::StateMachine",
    ]) {
        let key = if is_sam(r) {
            "Tracing"
        } else {
            "TracingConfiguration"
        };
        let enabled = r.prop(key).and_then(|v| v.get("Enabled"));
        if enabled.is_some_and(Node::is_intrinsic) {
            continue;
        }
        if !is_true(enabled) {
            out.report(
                "state-machine-tracing-disabled",
                r.prop_span(key),
                format!("state machine {} does not enable X-Ray tracing", r.label()),
            );
        }
    }
}

fn sfn_logging(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&[
        "AWS::StepFunctions::StateMachine",
        "AWS::Serverless::StateMachine",
    ]) {
        let key = if is_sam(r) {
            "Logging"
        } else {
            "LoggingConfiguration"
        };
        let cfg = r.prop(key);
        let level = cfg.and_then(|c| c.get("Level"));
        if level.is_some_and(Node::is_intrinsic) {
            continue;
        }
        let has_dest = cfg
            .and_then(|c| c.get("Destinations"))
            .is_some_and(|d| !d.items().is_empty());
        if cfg.is_none() || str_eq(level, "OFF") || level.is_none() || !has_dest {
            out.report(
                "state-machine-logging-disabled",
                r.prop_span(key),
                format!(
                    "state machine {} does not send execution history to CloudWatch Logs (set {key} with a Level and Destinations)",
                    r.label()
                ),
            );
        }
    }
}

fn definition_text(r: &Resource) -> String {
    let mut s = String::new();
    for key in ["DefinitionString", "Definition"] {
        if let Some(n) = r.prop(key) {
            for leaf in n.strings() {
                s.push_str(leaf);
                s.push('\n');
            }
        }
    }
    s
}

fn sfn_type(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&[
        "AWS::StepFunctions::StateMachine",
        "AWS::Serverless::StateMachine",
    ]) {
        let key = if is_sam(r) {
            "Type"
        } else {
            "StateMachineType"
        };
        if !str_eq(r.prop(key), "EXPRESS") {
            continue;
        }
        let def = definition_text(r);
        let bad = [".waitForTaskToken", ".sync"]
            .into_iter()
            .find(|p| def.contains(p));
        if let Some(p) = bad {
            out.report(
                "step-functions-workflow-type-mismatch",
                r.prop_span(key),
                format!(
                    "EXPRESS state machine {} uses the `{p}` integration pattern, which only STANDARD workflows support",
                    r.label()
                ),
            );
        }
    }
}

fn refs_function(n: &Node, fn_id: &str) -> bool {
    n.all_refs().iter().any(|r| r == fn_id)
}

fn lambda_log_retention(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(FUNCTIONS) {
        if r.prop("LoggingConfig")
            .and_then(|c| c.get("LogGroup"))
            .is_some()
        {
            continue;
        }
        let literal_name = r.prop("FunctionName").and_then(Node::as_str);
        let has_group = t.resources.iter().any(|g| {
            let name = match g.ty.as_str() {
                "AWS::Logs::LogGroup" => g.prop("LogGroupName"),
                "Custom::LogRetention" => g.prop("LogGroupName"),
                _ => None,
            };
            name.is_some_and(|n| {
                refs_function(n, &r.id)
                    || literal_name.is_some_and(|f| n.as_str() == Some(&format!("/aws/lambda/{f}")))
            })
        });
        if !has_group {
            out.report(
                "lambda-log-retention-unbounded",
                r.key,
                format!(
                    "Lambda function {} has no log group with a retention period; its automatic log group keeps logs forever",
                    r.label()
                ),
            );
        }
    }
}

fn log_group_retention(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&["AWS::Logs::LogGroup"]) {
        if r.prop("RetentionInDays").is_none() {
            out.report(
                "log-group-without-retention",
                r.key,
                format!(
                    "log group {} has no RetentionInDays, so its logs never expire",
                    r.label()
                ),
            );
        }
    }
}

fn deprecated_log_retention(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&["Custom::LogRetention"]) {
        out.report(
            "deprecated-log-retention-prop",
            r.key,
            format!(
                "{} is a Custom::LogRetention resource (the deprecated CDK `logRetention` prop), which deploys an extra Lambda function",
                r.label()
            ),
        );
    }
}

// ---------------------------------------------------------------- failure handling

/// Logical ids used as a dead-letter or failure destination anywhere in the template.
fn dlq_targets(t: &Template) -> HashSet<String> {
    const KEYS: &[&str] = &[
        "RedrivePolicy",
        "DeadLetterConfig",
        "DeadLetterQueue",
        "DestinationConfig",
        "OnFailure",
        "DestinationConfig",
    ];
    let mut out = HashSet::new();
    fn walk(n: &Node, out: &mut HashSet<String>) {
        if let Value::Map(m) = &n.value {
            for (k, _, v) in m {
                if KEYS.contains(&k.as_str()) {
                    out.extend(v.all_refs());
                } else {
                    walk(v, out);
                }
            }
        } else if let Value::Seq(s) = &n.value {
            s.iter().for_each(|c| walk(c, out));
        }
    }
    for r in &t.resources {
        walk(&r.node, &mut out);
    }
    if let Some(g) = &t.globals {
        walk(g, &mut out);
    }
    out
}

fn sqs_without_dlq(t: &Template, out: &mut Out<'_>) {
    let dlqs = dlq_targets(t);
    for r in t.of_type(&["AWS::SQS::Queue"]) {
        if r.prop("RedrivePolicy").is_some()
            || r.prop("RedriveAllowPolicy").is_some()
            || dlqs.contains(&r.id)
        {
            continue;
        }
        out.report(
            "sqs-queue-without-dlq",
            r.key,
            format!(
                "SQS queue {} has no RedrivePolicy: a message that keeps failing is retried until it expires and then lost",
                r.label()
            ),
        );
    }
}

fn sqs_fifo(t: &Template, out: &mut Out<'_>) {
    // A DLQ has no producers of its own, so deduplication settings do not apply to it.
    let dlqs = dlq_targets(t);
    for r in t.of_type(&["AWS::SQS::Queue"]) {
        if !is_true(r.prop("FifoQueue")) {
            continue;
        }
        let dedup = r.prop("ContentBasedDeduplication");
        if !dlqs.contains(&r.id) && !is_true(dedup) && dedup.is_none_or(|n| !n.is_intrinsic()) {
            out.report(
                "sqs-fifo-without-deduplication",
                r.prop_span("FifoQueue"),
                format!(
                    "FIFO queue {} has no ContentBasedDeduplication, so every producer must send a MessageDeduplicationId",
                    r.label()
                ),
            );
        }
        let target = r
            .path_prop(&["RedrivePolicy", "deadLetterTargetArn"])
            .and_then(|n| n.ref_target())
            .and_then(|id| t.get(id));
        if let Some(dlq) = target
            && dlq.ty == "AWS::SQS::Queue"
            && !is_true(dlq.prop("FifoQueue"))
        {
            out.report_as(
                "sqs-fifo-without-deduplication",
                r.prop_span("RedrivePolicy"),
                format!("FIFO queue {} uses {} as its DLQ, but the DLQ of a FIFO queue must be FIFO too", r.label(), dlq.id),
                Some(Severity::Error),
            );
        }
    }
}

impl Resource {
    fn path_prop(&self, keys: &[&str]) -> Option<&Node> {
        self.props()?.path(keys)
    }
}

fn async_principal(n: &Node) -> bool {
    let s = n.strings().join("");
    ["events.", "s3.", "sns.", "iot."]
        .iter()
        .any(|p| s.starts_with(p))
        && (s.contains("amazonaws.com") || s.contains("URLSuffix"))
}

fn async_failure_destination(t: &Template, out: &mut Out<'_>) {
    let mut async_fns: Vec<(&Resource, String)> = Vec::new();
    for p in t.of_type(&["AWS::Lambda::Permission"]) {
        let Some(principal) = p.prop("Principal") else {
            continue;
        };
        if !async_principal(principal) {
            continue;
        }
        if let Some(f) = p.prop("FunctionName").and_then(|n| resolve_function(t, n))
            && !async_fns.iter().any(|(r, _)| r.id == f.id)
        {
            async_fns.push((f, principal.strings().join("")));
        }
    }
    for r in t.of_type(&["AWS::Serverless::Function"]) {
        for (_, _, ty, _) in sam_events(r) {
            if matches!(
                ty,
                "SNS" | "S3" | "EventBridgeRule" | "CloudWatchEvent" | "Schedule" | "IoTRule"
            ) && !async_fns.iter().any(|(f, _)| f.id == r.id)
            {
                async_fns.push((r, format!("{ty} event")));
            }
        }
    }
    for (f, via) in async_fns {
        let on_failure = t.of_type(&["AWS::Lambda::EventInvokeConfig"]).any(|c| {
            c.prop("FunctionName")
                .and_then(|n| resolve_function(t, n))
                .is_some_and(|x| x.id == f.id)
                && c.path_prop(&["DestinationConfig", "OnFailure", "Destination"])
                    .is_some()
        }) || fprop(t, f, "EventInvokeConfig")
            .and_then(|c| c.path(&["DestinationConfig", "OnFailure"]))
            .is_some();
        if on_failure {
            continue;
        }
        let dlq = f.prop("DeadLetterConfig").is_some() || fprop(t, f, "DeadLetterQueue").is_some();
        let (msg, sev) = if dlq {
            (
                format!(
                    "Lambda function {} is invoked asynchronously ({via}) and has only a DeadLetterConfig; an on-failure destination also records the error and the request context",
                    f.label()
                ),
                Some(Severity::Info),
            )
        } else {
            (
                format!(
                    "Lambda function {} is invoked asynchronously ({via}) with no on-failure destination or DLQ: events that fail after the retries are dropped",
                    f.label()
                ),
                None,
            )
        };
        out.report_as("async-lambda-without-failure-destination", f.key, msg, sev);
    }
}

fn eventbridge_target_dlq(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&["AWS::Events::Rule"]) {
        for target in r.prop("Targets").map(Node::items).unwrap_or(&[]) {
            if target.path(&["DeadLetterConfig", "Arn"]).is_none() {
                let id = target.get("Id").and_then(Node::as_str).unwrap_or("?");
                out.report(
                    "eventbridge-target-without-dlq",
                    target.span,
                    format!(
                        "target `{id}` of EventBridge rule {} has no DeadLetterConfig: events that cannot be delivered are dropped",
                        r.label()
                    ),
                );
            }
        }
    }
    for r in t.of_type(&["AWS::Serverless::Function", "AWS::Serverless::StateMachine"]) {
        let events = if r.ty == "AWS::Serverless::Function" {
            sam_events(r)
        } else {
            r.prop("Events")
                .map(|e| {
                    e.entries()
                        .iter()
                        .map(|(n, s, ev)| {
                            (
                                n.as_str(),
                                *s,
                                ev.get("Type").and_then(Node::as_str).unwrap_or(""),
                                ev.get("Properties"),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        for (name, span, ty, props) in events {
            if matches!(ty, "EventBridgeRule" | "CloudWatchEvent" | "Schedule")
                && props.and_then(|p| p.get("DeadLetterConfig")).is_none()
            {
                out.report(
                    "eventbridge-target-without-dlq",
                    span,
                    format!("{ty} event {name} of {} has no DeadLetterConfig: events that cannot be delivered are dropped", r.label()),
                );
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SourceKind {
    Sqs,
    Stream,
}

/// One event source mapping, explicit or implied by a SAM event.
struct Binding<'a> {
    kind: SourceKind,
    function: Option<&'a Resource>,
    queue: Option<&'a Resource>,
    props: Option<&'a Node>,
    span: Span,
    label: String,
}

fn bindings(t: &Template) -> Vec<Binding<'_>> {
    let mut out = Vec::new();
    for r in t.of_type(&["AWS::Lambda::EventSourceMapping"]) {
        let arn = r.prop("EventSourceArn");
        let target = arn.and_then(|a| a.ref_target()).and_then(|id| t.get(id));
        let text = arn.map(|a| a.strings().join("")).unwrap_or_default();
        let kind = match target.map(|x| x.ty.as_str()) {
            Some("AWS::SQS::Queue") => Some(SourceKind::Sqs),
            Some(
                "AWS::Kinesis::Stream" | "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable",
            ) => Some(SourceKind::Stream),
            _ if text.contains(":sqs:") => Some(SourceKind::Sqs),
            _ if text.contains(":kinesis:") || text.contains(":dynamodb:") => {
                Some(SourceKind::Stream)
            }
            // Only stream sources take a StartingPosition.
            _ if r.prop("StartingPosition").is_some() => Some(SourceKind::Stream),
            _ => None,
        };
        let Some(kind) = kind else { continue };
        out.push(Binding {
            kind,
            function: r.prop("FunctionName").and_then(|n| resolve_function(t, n)),
            queue: target.filter(|q| q.ty == "AWS::SQS::Queue"),
            props: r.props(),
            span: r.key,
            label: r.label(),
        });
    }
    for f in t.of_type(&["AWS::Serverless::Function"]) {
        for (name, span, ty, props) in sam_events(f) {
            let (kind, key) = match ty {
                "SQS" => (SourceKind::Sqs, "Queue"),
                "Kinesis" | "DynamoDB" => (SourceKind::Stream, "Stream"),
                _ => continue,
            };
            let queue = props
                .and_then(|p| p.get(key))
                .and_then(|n| n.ref_target())
                .and_then(|id| t.get(id))
                .filter(|q| q.ty == "AWS::SQS::Queue");
            out.push(Binding {
                kind,
                function: Some(f),
                queue,
                props,
                span,
                label: format!("{ty} event {name} of {}", f.label()),
            });
        }
    }
    out
}

fn stream_failure_handling(t: &Template, out: &mut Out<'_>) {
    for b in bindings(t)
        .into_iter()
        .filter(|b| b.kind == SourceKind::Stream)
    {
        let p = b.props;
        let get = |k: &str| p.and_then(|p| p.get(k));
        let has_dest = p
            .and_then(|p| p.path(&["DestinationConfig", "OnFailure", "Destination"]))
            .is_some();
        let mut missing = Vec::new();
        if !has_dest {
            missing.push("an on-failure destination (DestinationConfig.OnFailure)");
        }
        if get("MaximumRetryAttempts").is_none() && get("MaximumRecordAgeInSeconds").is_none() {
            missing.push("MaximumRetryAttempts/MaximumRecordAgeInSeconds (both default to -1: a bad record is retried until it expires and blocks its shard)");
        }
        if get("BisectBatchOnFunctionError").is_none() {
            missing.push("BisectBatchOnFunctionError");
        }
        if has_dest && missing.len() < 2 {
            continue;
        }
        if !missing.is_empty() {
            let sev = has_dest.then_some(Severity::Warning);
            out.report_as(
                "stream-source-without-failure-handling",
                b.span,
                format!(
                    "stream event source {} lacks {}",
                    b.label,
                    missing.join(", ")
                ),
                sev,
            );
        }
    }
}

fn sns_subscription_dlq(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&["AWS::SNS::Subscription"]) {
        if r.prop("RedrivePolicy").is_none() {
            out.report(
                "sns-subscription-without-dlq",
                r.key,
                format!("SNS subscription {} has no RedrivePolicy: messages that fail delivery after the retries are dropped", r.label()),
            );
        }
    }
    for f in t.of_type(&["AWS::Serverless::Function"]) {
        for (name, span, ty, props) in sam_events(f) {
            if ty == "SNS" && props.and_then(|p| p.get("RedrivePolicy")).is_none() {
                out.report(
                    "sns-subscription-without-dlq",
                    span,
                    format!(
                        "SNS event {name} of {} subscribes without a RedrivePolicy (DLQ)",
                        f.label()
                    ),
                );
            }
        }
    }
}

/// A duration property with its CloudFormation default; `None` when unresolvable.
fn number_or_default(n: Option<&Node>, default: f64) -> Option<f64> {
    match n {
        None => Some(default),
        Some(n) => n.as_f64(),
    }
}

fn sqs_visibility_timeout(t: &Template, out: &mut Out<'_>) {
    for b in bindings(t)
        .into_iter()
        .filter(|b| b.kind == SourceKind::Sqs)
    {
        let (Some(f), Some(q)) = (b.function, b.queue) else {
            continue;
        };
        let Some(timeout) = number_or_default(fprop(t, f, "Timeout"), 3.0) else {
            continue;
        };
        let Some(vis) = number_or_default(q.prop("VisibilityTimeout"), 30.0) else {
            continue;
        };
        if vis >= 6.0 * timeout {
            continue;
        }
        let sev = (vis < timeout).then_some(Severity::Error);
        out.report_as(
            "sqs-visibility-timeout-too-low",
            q.prop_span("VisibilityTimeout"),
            format!(
                "queue {} has a visibility timeout of {vis} s but feeds {} whose timeout is {timeout} s; use at least 6 x the function timeout ({} s)",
                q.label(),
                f.label(),
                6.0 * timeout
            ),
            sev,
        );
    }
}

fn sqs_batch_failures(t: &Template, out: &mut Out<'_>) {
    for b in bindings(t)
        .into_iter()
        .filter(|b| b.kind == SourceKind::Sqs)
    {
        let p = b.props;
        if p.and_then(|p| p.get("BatchSize")).and_then(Node::as_f64) == Some(1.0) {
            continue;
        }
        let types = p.and_then(|p| p.get("FunctionResponseTypes"));
        if types.is_some_and(Node::is_intrinsic) {
            continue;
        }
        let reported = types.is_some_and(|ty| {
            ty.one_or_many()
                .iter()
                .any(|x| x.as_str() == Some("ReportBatchItemFailures"))
        });
        if !reported {
            out.report(
                "sqs-event-source-without-batch-failures",
                b.span,
                format!(
                    "SQS event source {} does not set FunctionResponseTypes: [ReportBatchItemFailures]; one failed message makes the whole batch retry",
                    b.label
                ),
            );
        }
    }
}

fn constrained_downstream(t: &Template, f: &Resource) -> bool {
    if fprop(t, f, "VpcConfig").is_some() {
        return true;
    }
    fprop(t, f, "Environment")
        .and_then(|e| e.get("Variables"))
        .is_some_and(|v| {
            v.entries().iter().any(|(k, _, _)| {
                let k = k.to_ascii_uppercase();
                ["DB_HOST", "DATABASE_URL", "RDS", "PROXY", "DB_ENDPOINT"]
                    .iter()
                    .any(|p| k.contains(p))
            })
        })
}

fn unbounded_concurrency(t: &Template, out: &mut Out<'_>) {
    for b in bindings(t) {
        let Some(f) = b.function else { continue };
        if !constrained_downstream(t, f) || fprop(t, f, "ReservedConcurrentExecutions").is_some() {
            continue;
        }
        if b.kind == SourceKind::Sqs
            && b.props
                .and_then(|p| p.path(&["ScalingConfig", "MaximumConcurrency"]))
                .is_some()
        {
            continue;
        }
        out.report(
            "unbounded-concurrency-to-constrained-downstream",
            b.span,
            format!(
                "{} scales {} without a concurrency limit, but the function talks to a connection-limited downstream (VPC/database); set ScalingConfig.MaximumConcurrency or ReservedConcurrentExecutions",
                b.label,
                f.label()
            ),
        );
    }
}

// ---------------------------------------------------------------- DynamoDB

fn dynamodb_autoscaling(t: &Template, out: &mut Out<'_>) {
    let scaled: HashSet<String> = t
        .of_type(&["AWS::ApplicationAutoScaling::ScalableTarget"])
        .filter_map(|s| s.prop("ResourceId"))
        .flat_map(|n| n.all_refs())
        .collect();
    for r in t.of_type(&["AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"]) {
        let provisioned = if r.ty == "AWS::Serverless::SimpleTable" {
            t.sam_prop(r, "ProvisionedThroughput").is_some()
        } else {
            match r.prop("BillingMode") {
                None => true,
                Some(b) => b.as_str() == Some("PROVISIONED"),
            }
        };
        if provisioned && !scaled.contains(&r.id) {
            out.report(
                "dynamodb-provisioned-without-autoscaling",
                r.prop_span("BillingMode"),
                format!(
                    "DynamoDB table {} uses provisioned capacity with no Application Auto Scaling target: traffic above the fixed capacity is throttled",
                    r.label()
                ),
            );
        }
    }
}

fn dynamodb_pitr(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&["AWS::DynamoDB::Table"]) {
        let v = r.path_prop(&[
            "PointInTimeRecoverySpecification",
            "PointInTimeRecoveryEnabled",
        ]);
        if v.is_some_and(Node::is_intrinsic) || is_true(v) {
            continue;
        }
        out.report(
            "dynamodb-without-pitr",
            r.key,
            format!(
                "DynamoDB table {} does not enable point-in-time recovery",
                r.label()
            ),
        );
    }
}

// ---------------------------------------------------------------- IAM

/// Actions that only accept `Resource: "*"` (or are harmless with it).
fn star_resource_ok(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    const OK: &[&str] = &[
        "xray:puttracesegments",
        "xray:puttelemetryrecords",
        "xray:getsamplingrules",
        "xray:getsamplingtargets",
        "xray:getsamplingstatisticsummaries",
        "cloudwatch:putmetricdata",
        "logs:createloggroup",
        "logs:describeloggroups",
        // Vended log delivery (Step Functions, API Gateway v2, ... logging to CloudWatch Logs):
        // the delivery APIs have no resource types, and AWS documents `Resource: "*"` for them.
        "logs:createlogdelivery",
        "logs:getlogdelivery",
        "logs:updatelogdelivery",
        "logs:deletelogdelivery",
        "logs:putresourcepolicy",
        "ec2:createnetworkinterface",
        "ec2:deletenetworkinterface",
        "ec2:assignprivateipaddresses",
        "ec2:unassignprivateipaddresses",
        "sts:getcalleridentity",
        "ssm:describeparameters",
        "kms:listkeys",
        "kms:listaliases",
    ];
    if OK.contains(&a.as_str()) {
        return true;
    }
    let Some((_, op)) = a.split_once(':') else {
        return false;
    };
    op.starts_with("describe") || op.starts_with("list")
}

/// Policy statements of a resource: (statement node, where it came from).
fn statements(r: &Resource) -> Vec<&Node> {
    let mut docs: Vec<&Node> = Vec::new();
    match r.ty.as_str() {
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
            for p in r.prop("Policies").map(Node::items).unwrap_or(&[]) {
                if let Some(d) = p.get("PolicyDocument") {
                    docs.push(d);
                }
            }
        }
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
            if let Some(d) = r.prop("PolicyDocument") {
                docs.push(d);
            }
        }
        "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => {
            if let Some(p) = r.prop("Policies") {
                for item in p.one_or_many() {
                    if item.get("Statement").is_some() {
                        docs.push(item);
                    }
                }
            }
        }
        _ => {}
    }
    docs.iter()
        .flat_map(|d| {
            d.get("Statement")
                .map(Node::one_or_many)
                .unwrap_or_default()
        })
        .filter(|s| !str_eq(s.get("Effect"), "Deny"))
        .collect()
}

fn iam_wildcards(t: &Template, out: &mut Out<'_>) {
    for r in &t.resources {
        for st in statements(r) {
            let actions: Vec<&Node> = st.get("Action").map(Node::one_or_many).unwrap_or_default();
            let resources: Vec<&str> = st
                .get("Resource")
                .map(Node::one_or_many)
                .unwrap_or_default()
                .iter()
                .filter_map(|n| n.as_str())
                .collect();
            let names: Vec<&str> = actions.iter().filter_map(|a| a.as_str()).collect();
            if let Some(a) = actions.iter().find(|a| a.as_str() == Some("*")) {
                out.report_as(
                    "iam-wildcard-permissions",
                    a.span,
                    format!(
                        "{} {} allows every action (`Action: \"*\"`)",
                        r.ty,
                        r.label()
                    ),
                    Some(Severity::Error),
                );
                continue;
            }
            if let Some(a) = actions
                .iter()
                .find(|a| a.as_str().is_some_and(|s| s.ends_with(":*")))
            {
                out.report(
                    "iam-wildcard-permissions",
                    a.span,
                    format!(
                        "{} {} allows every action of a service (`{}`)",
                        r.ty,
                        r.label(),
                        a.as_str().unwrap_or_default()
                    ),
                );
                continue;
            }
            if st.get("NotAction").is_some() {
                out.report(
                    "iam-wildcard-permissions",
                    st.span,
                    format!(
                        "{} {} uses NotAction with Allow, which grants everything else",
                        r.ty,
                        r.label()
                    ),
                );
                continue;
            }
            if resources.contains(&"*")
                && !names.is_empty()
                && !names.iter().all(|a| star_resource_ok(a))
            {
                let span = st.get("Resource").map(|n| n.span).unwrap_or(st.span);
                let listed: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|a| !star_resource_ok(a))
                    .take(3)
                    .collect();
                out.report(
                    "iam-wildcard-permissions",
                    span,
                    format!(
                        "{} {} grants {} on `Resource: \"*\"`; scope it to the resources the function uses",
                        r.ty,
                        r.label(),
                        listed.join(", ")
                    ),
                );
            }
        }
    }
}

fn iam_admin_managed(t: &Template, out: &mut Out<'_>) {
    for r in &t.resources {
        let list = match r.ty.as_str() {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => r.prop("ManagedPolicyArns"),
            "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => r.prop("Policies"),
            _ => None,
        };
        let Some(list) = list else { continue };
        for item in list.one_or_many() {
            let text = item.strings().join("");
            let name = text.rsplit('/').next().unwrap_or(&text);
            let admin = name == "AdministratorAccess" || name == "PowerUserAccess";
            if admin || name.ends_with("FullAccess") {
                out.report_as(
                    "iam-admin-managed-policy",
                    item.span,
                    format!(
                        "{} {} attaches the AWS managed policy {name}",
                        r.ty,
                        r.label()
                    ),
                    (!admin).then_some(Severity::Warning),
                );
            }
        }
    }
}

// ---------------------------------------------------------------- Lambda configuration

pub(crate) fn secret_key(k: &str) -> bool {
    let u = k.to_ascii_uppercase();
    let secretish = [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "APIKEY",
        "API_KEY",
        "PRIVATE_KEY",
        "PRIVATEKEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|p| u.contains(p))
        || u.ends_with("_PASS")
        || u == "PASS";
    let pointer = [
        "_ARN",
        "_NAME",
        "_ID",
        "_TABLE",
        "_URL",
        "_HEADER",
        "_PARAM",
        "_PATH",
        "_PARAMETER",
        "_KEY_ID",
    ]
    .iter()
    .any(|s| u.ends_with(s));
    secretish && !pointer
}

fn secret_in_env(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(FUNCTIONS) {
        let mut vars: Vec<&(String, Span, Node)> = Vec::new();
        if let Some(v) = r.path_prop(&["Environment", "Variables"]) {
            vars.extend(v.entries());
        }
        if is_sam(r)
            && let Some(g) = t
                .globals
                .as_ref()
                .and_then(|g| g.path(&["Function", "Environment", "Variables"]))
        {
            vars.extend(
                g.entries()
                    .iter()
                    .filter(|(k, _, _)| !vars.iter().any(|(o, _, _)| o == k))
                    .collect::<Vec<_>>(),
            );
        }
        for (k, span, v) in vars {
            let text = v.strings().join("");
            if text.contains("{{resolve:secretsmanager") || text.contains("{{resolve:ssm-secure") {
                out.report(
                    "secret-in-environment-variable",
                    *span,
                    format!("environment variable {k} of {} resolves a secret at deploy time, which stores the plaintext in the function configuration", r.label()),
                );
            } else if secret_key(k) && v.literal_string().is_some_and(|s| !s.is_empty()) {
                out.report(
                    "secret-in-environment-variable",
                    *span,
                    format!(
                        "environment variable {k} of {} holds a literal secret",
                        r.label()
                    ),
                );
            }
        }
    }
}

fn lambda_default_timeout(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(FUNCTIONS) {
        if fprop(t, r, "Timeout").is_none() {
            out.report(
                "lambda-default-timeout",
                r.key,
                format!(
                    "Lambda function {} does not set Timeout, so it runs with the 3 s default",
                    r.label()
                ),
            );
        }
    }
}

fn lambda_default_memory(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(FUNCTIONS) {
        if fprop(t, r, "MemorySize").is_none() {
            out.report(
                "lambda-default-memory",
                r.key,
                format!("Lambda function {} does not set MemorySize, so it gets 128 MB (and the CPU share that goes with it)", r.label()),
            );
        }
    }
}

/// Runtimes past deprecation (as of 2026-12), with whether updates are already blocked.
pub(crate) fn deprecated_runtime(rt: &str) -> Option<bool> {
    const BLOCKED: &[&str] = &[
        "nodejs",
        "nodejs4.3",
        "nodejs4.3-edge",
        "nodejs6.10",
        "nodejs8.10",
        "nodejs10.x",
        "nodejs12.x",
        "nodejs14.x",
        "python2.7",
        "python3.6",
        "python3.7",
        "dotnetcore1.0",
        "dotnetcore2.0",
        "dotnetcore2.1",
        "dotnetcore3.1",
        "dotnet5.0",
        "dotnet6",
        "ruby2.5",
        "ruby2.7",
        "java8",
        "go1.x",
        "provided",
    ];
    const DEPRECATED: &[&str] = &[
        "nodejs16.x",
        "nodejs18.x",
        "nodejs20.x",
        "python3.8",
        "python3.9",
        "python3.10",
        "ruby3.2",
        "dotnet7",
        "java8.al2",
    ];
    if BLOCKED.contains(&rt) {
        Some(true)
    } else if DEPRECATED.contains(&rt) {
        Some(false)
    } else {
        None
    }
}

fn lambda_deprecated_runtime(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(FUNCTIONS) {
        let Some(rt) = fprop(t, r, "Runtime").and_then(Node::as_str) else {
            continue;
        };
        if let Some(blocked) = deprecated_runtime(rt) {
            out.report_as(
                "lambda-deprecated-runtime",
                r.prop_span("Runtime"),
                format!(
                    "Lambda function {} uses the deprecated runtime {rt}{}",
                    r.label(),
                    if blocked {
                        " (no security patches; creating and updating functions is blocked)"
                    } else {
                        " (no more security patches)"
                    }
                ),
                blocked.then_some(Severity::Error),
            );
        }
    }
}

fn lambda_json_logging(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(FUNCTIONS) {
        let fmt = fprop(t, r, "LoggingConfig").and_then(|c| c.get("LogFormat"));
        if fmt.is_some_and(Node::is_intrinsic) || str_eq(fmt, "JSON") {
            continue;
        }
        out.report(
            "lambda-json-logging-disabled",
            r.key,
            format!(
                "Lambda function {} does not set LoggingConfig.LogFormat: JSON",
                r.label()
            ),
        );
    }
}

fn recursive_loop(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(FUNCTIONS) {
        if str_eq(fprop(t, r, "RecursiveLoop"), "Allow") {
            out.report(
                "recursive-loop-allowed",
                r.prop_span("RecursiveLoop"),
                format!(
                    "Lambda function {} turns off recursive loop detection (RecursiveLoop: Allow)",
                    r.label()
                ),
            );
        }
    }
}

fn lambda_to_lambda(t: &Template, out: &mut Out<'_>) {
    // Functions somebody may invoke: targets of lambda:InvokeFunction statements or SAM LambdaInvokePolicy.
    let mut invokable: HashSet<String> = HashSet::new();
    for r in &t.resources {
        for st in statements(r) {
            let acts: Vec<&str> = st
                .get("Action")
                .map(Node::one_or_many)
                .unwrap_or_default()
                .iter()
                .filter_map(|a| a.as_str())
                .collect();
            if acts
                .iter()
                .any(|a| a.eq_ignore_ascii_case("lambda:InvokeFunction"))
            {
                invokable.extend(st.get("Resource").map(|n| n.all_refs()).unwrap_or_default());
            }
        }
        if let Some(p) = r.prop("Policies") {
            for item in p.one_or_many() {
                if let Some(inv) = item.get("LambdaInvokePolicy") {
                    invokable.extend(inv.all_refs());
                }
            }
        }
    }
    for r in t.of_type(FUNCTIONS) {
        let Some(vars) = r.path_prop(&["Environment", "Variables"]) else {
            continue;
        };
        for (k, span, v) in vars.entries() {
            let Some(target) = v.ref_target().and_then(|id| t.get(id)) else {
                continue;
            };
            if target.id != r.id
                && FUNCTIONS.contains(&target.ty.as_str())
                && invokable.contains(&target.id)
            {
                out.report(
                    "lambda-to-lambda-wiring",
                    *span,
                    format!(
                        "Lambda function {} gets {} in {k} and may invoke it: chaining functions in code hides the workflow and double-bills waiting time",
                        r.label(),
                        target.id
                    ),
                );
            }
        }
    }
}

fn permission_principals(t: &Template, out: &mut Out<'_>) {
    let mut by_fn: HashMap<String, Vec<(String, Span)>> = HashMap::new();
    for p in t.of_type(&["AWS::Lambda::Permission"]) {
        // Literal names are ignored, as in serverless-rules: only references group reliably.
        let Some(f) = p.prop("FunctionName").and_then(Node::ref_target) else {
            continue;
        };
        let Some(principal) = p.prop("Principal").and_then(Node::as_str) else {
            continue;
        };
        by_fn
            .entry(f.to_string())
            .or_default()
            .push((principal.to_string(), p.key));
    }
    let mut entries: Vec<_> = by_fn.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (f, list) in entries {
        let mut first: Option<&str> = None;
        for (principal, span) in list {
            match first {
                None => first = Some(principal),
                Some(p) if p != principal => {
                    out.report(
                        "lambda-permission-multiple-principals",
                        *span,
                        format!("function {f} is invoked by several services ({p}, {principal}); one function per event source is easier to reason about"),
                    );
                    break;
                }
                Some(_) => {}
            }
        }
    }
}

// ---------------------------------------------------------------- API Gateway

#[derive(Clone, Copy, PartialEq, Eq)]
enum ApiKind {
    Rest,
    Http,
}

/// A stage: explicit, a SAM API, or SAM's implicit API (settings from Globals).
struct Stage<'a> {
    kind: ApiKind,
    props: Option<&'a Node>,
    span: Span,
    label: String,
    sam: bool,
}

fn stages(t: &Template) -> Vec<Stage<'_>> {
    let mut out = Vec::new();
    for r in &t.resources {
        let (kind, props, sam) = match r.ty.as_str() {
            "AWS::ApiGateway::Stage" => (ApiKind::Rest, r.props(), false),
            "AWS::ApiGateway::Deployment" => {
                // A deployment that creates its own stage (no separate Stage resource).
                if r.prop("StageName").is_none() {
                    continue;
                }
                (ApiKind::Rest, r.prop("StageDescription"), false)
            }
            "AWS::ApiGatewayV2::Stage" => (ApiKind::Http, r.props(), false),
            "AWS::Serverless::Api" => (ApiKind::Rest, None, true),
            "AWS::Serverless::HttpApi" => (ApiKind::Http, None, true),
            _ => continue,
        };
        let props = if sam { r.props() } else { props };
        out.push(Stage {
            kind,
            props,
            span: r.key,
            label: format!("{} {}", r.ty, r.label()),
            sam,
        });
    }
    // SAM implicit APIs: the first event without RestApiId/ApiId creates one.
    for (ty, kind, link, section) in [
        ("Api", ApiKind::Rest, "RestApiId", "Api"),
        ("HttpApi", ApiKind::Http, "ApiId", "HttpApi"),
    ] {
        let first = t.of_type(&["AWS::Serverless::Function"]).find_map(|f| {
            sam_events(f)
                .into_iter()
                .find(|(_, _, et, p)| *et == ty && p.and_then(|p| p.get(link)).is_none())
                .map(|(name, span, _, _)| (f, name, span))
        });
        if let Some((f, name, span)) = first {
            out.push(Stage {
                kind,
                props: t.globals.as_ref().and_then(|g| g.get(section)),
                span,
                label: format!("the implicit SAM {ty} (event {name} of {})", f.label()),
                sam: true,
            });
        }
    }
    out
}

fn stage_get<'a>(t: &'a Template, s: &Stage<'a>, key: &str) -> Option<&'a Node> {
    s.props.and_then(|p| p.get(key)).or_else(|| {
        if !s.sam {
            return None;
        }
        let section = if s.kind == ApiKind::Rest {
            "Api"
        } else {
            "HttpApi"
        };
        t.globals.as_ref()?.path(&[section, key])
    })
}

fn api_access_logs(t: &Template, out: &mut Out<'_>) {
    for s in stages(t) {
        let key = if s.kind == ApiKind::Rest {
            "AccessLogSetting"
        } else {
            "AccessLogSettings"
        };
        if stage_get(t, &s, key)
            .and_then(|a| a.get("DestinationArn"))
            .is_none()
        {
            out.report(
                "api-stage-without-access-logs",
                s.span,
                format!("{} has no access logging ({key}.DestinationArn)", s.label),
            );
        }
    }
}

fn api_access_log_json(t: &Template, out: &mut Out<'_>) {
    for s in stages(t) {
        let key = if s.kind == ApiKind::Rest {
            "AccessLogSetting"
        } else {
            "AccessLogSettings"
        };
        let Some(fmt) = stage_get(t, &s, key).and_then(|a| a.get("Format")) else {
            continue;
        };
        let Some(text) = fmt.as_str() else { continue };
        let mut replaced = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("$context.") {
            replaced.push_str(&rest[..i]);
            replaced.push('1');
            rest = rest[i..].trim_start_matches("$context.");
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            rest = &rest[end..];
        }
        replaced.push_str(rest);
        let replaced = replaced.replace("\"1\"", "1");
        if serde_json::from_str::<serde_json::Value>(&replaced).is_err() {
            out.report(
                "api-access-log-not-json",
                fmt.span,
                format!("{} writes access logs that are not JSON, so CloudWatch Logs Insights cannot discover their fields", s.label),
            );
        }
    }
}

fn api_tracing(t: &Template, out: &mut Out<'_>) {
    for s in stages(t).into_iter().filter(|s| s.kind == ApiKind::Rest) {
        let v = stage_get(t, &s, "TracingEnabled");
        if v.is_some_and(Node::is_intrinsic) || is_true(v) {
            continue;
        }
        out.report(
            "api-tracing-disabled",
            s.span,
            format!("{} does not enable X-Ray tracing (TracingEnabled)", s.label),
        );
    }
}

fn api_throttling(t: &Template, out: &mut Out<'_>) {
    let usage_plan = t
        .of_type(&["AWS::ApiGateway::UsagePlan"])
        .any(|u| u.prop("Throttle").is_some());
    for s in stages(t) {
        let both = |n: &Node| {
            n.get("ThrottlingBurstLimit").is_some() && n.get("ThrottlingRateLimit").is_some()
        };
        let ok = match s.kind {
            ApiKind::Rest => {
                usage_plan
                    || s.props.is_some_and(both)
                    || stage_get(t, &s, "MethodSettings").is_some_and(|m| {
                        m.items().iter().any(|e| {
                            str_eq(e.get("HttpMethod"), "*")
                                && e.get("ResourcePath").and_then(Node::as_str) == Some("/*")
                                && both(e)
                        })
                    })
            }
            ApiKind::Http => stage_get(t, &s, "DefaultRouteSettings").is_some_and(both),
        };
        if !ok {
            out.report(
                "api-without-throttling",
                s.span,
                format!("{} sets no stage-wide throttling (burst and rate limits), so one client can use the account's whole API Gateway quota", s.label),
            );
        }
    }
}

fn api_authorization(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&["AWS::ApiGateway::Method"]) {
        if str_eq(r.prop("HttpMethod"), "OPTIONS") || is_true(r.prop("ApiKeyRequired")) {
            continue;
        }
        let auth = r.prop("AuthorizationType");
        if auth.is_none() || str_eq(auth, "NONE") {
            out.report(
                "api-method-without-authorization",
                r.prop_span("AuthorizationType"),
                format!(
                    "API method {} has no authorization (AuthorizationType NONE)",
                    r.label()
                ),
            );
        }
    }
    for r in t.of_type(&["AWS::ApiGatewayV2::Route"]) {
        let auth = r.prop("AuthorizationType");
        if auth.is_none() || str_eq(auth, "NONE") {
            out.report(
                "api-method-without-authorization",
                r.prop_span("AuthorizationType"),
                format!(
                    "API route {} has no authorization (AuthorizationType NONE)",
                    r.label()
                ),
            );
        }
    }
}

fn function_url_auth(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&["AWS::Lambda::Url"]) {
        if str_eq(r.prop("AuthType"), "NONE") {
            out.report(
                "function-url-without-auth",
                r.prop_span("AuthType"),
                format!("function URL {} is public (AuthType: NONE)", r.label()),
            );
        }
    }
    for r in t.of_type(&["AWS::Serverless::Function"]) {
        if str_eq(
            fprop(t, r, "FunctionUrlConfig").and_then(|c| c.get("AuthType")),
            "NONE",
        ) {
            out.report(
                "function-url-without-auth",
                r.prop_span("FunctionUrlConfig"),
                format!("function URL of {} is public (AuthType: NONE)", r.label()),
            );
        }
    }
}

fn appsync_tracing(t: &Template, out: &mut Out<'_>) {
    for r in t.of_type(&["AWS::AppSync::GraphQLApi", "AWS::Serverless::GraphQLApi"]) {
        let v = r.prop("XrayEnabled");
        if v.is_some_and(Node::is_intrinsic) || is_true(v) {
            continue;
        }
        out.report(
            "appsync-tracing-disabled",
            r.key,
            format!(
                "AppSync API {} does not enable X-Ray (XrayEnabled)",
                r.label()
            ),
        );
    }
}
