//! MCP prompts: guided workflows that walk an assistant through our tools and
//! carry the most relevant guidance sections as embedded resources.
//!
//! Prompts are data ([`PROMPTS`]); each argument names the kind of value it
//! takes so `completion/complete` can offer candidates (see `completions.rs`).

use rmcp::ErrorData as McpError;
use rmcp::model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role};
use serde_json::{Map, Value};

use crate::knowledge::read::parse_guide_uri;
use crate::search::SearchOptions;
use crate::snapshot::Snapshot;

/// What values an argument takes, for completions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    /// Free text: no completion.
    Text,
    Language,
    Category,
    Service,
    DocumentId,
    ScaffoldId,
}

pub(crate) struct ArgSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub kind: ValueKind,
}

pub(crate) struct PromptSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub args: &'static [ArgSpec],
    /// Documents the workflow always points to (when they exist).
    anchors: &'static [&'static str],
    /// Words added to the search built from the arguments, so the embedded
    /// guidance is about the workflow's topic and not only the user's words.
    topic: &'static str,
    /// Builds the instruction text from the arguments.
    instructions: fn(&Args) -> String,
}

/// Largest argument accepted (characters): prompts embed code, not repositories.
const MAX_ARG_CHARS: usize = 200_000;
/// How many guidance sections a prompt embeds.
const EMBEDDED_SECTIONS: usize = 3;

const fn arg(
    name: &'static str,
    description: &'static str,
    required: bool,
    kind: ValueKind,
) -> ArgSpec {
    ArgSpec {
        name,
        description,
        required,
        kind,
    }
}

pub(crate) const PROMPTS: &[PromptSpec] = &[
    PromptSpec {
        name: "design-event-driven-workflow",
        title: "Design an event-driven workflow",
        description: "Design an AWS serverless, event-driven workflow for a use case: services, event flow, failure handling and observability, grounded in the guidance.",
        args: &[
            arg(
                "use_case",
                "What the workflow must do, in plain words (e.g. \"process uploaded invoices and notify accounting\").",
                true,
                ValueKind::Text,
            ),
            arg(
                "throughput",
                "Expected load, e.g. \"50 events/s, bursts of 2,000\".",
                false,
                ValueKind::Text,
            ),
            arg(
                "ordering",
                "Ordering needs, e.g. \"per customer\", \"none\".",
                false,
                ValueKind::Text,
            ),
            arg(
                "latency",
                "Latency needs, e.g. \"under 1 s end to end\", \"minutes are fine\".",
                false,
                ValueKind::Text,
            ),
        ],
        anchors: &[
            "choosing-messaging-service",
            "event-processing-patterns",
            "design-for-failures-and-duplicates",
        ],
        topic: "event-driven architecture",
        instructions: design_instructions,
    },
    PromptSpec {
        name: "review-serverless-code",
        title: "Review serverless code",
        description: "Review a Lambda handler, CDK code or a CloudFormation/SAM template for serverless anti-patterns and explain each fix.",
        args: &[
            arg(
                "code",
                "The code or template to review (or a file path the assistant can read).",
                true,
                ValueKind::Text,
            ),
            arg(
                "language",
                "typescript, javascript, python or cloudformation (default: detected).",
                false,
                ValueKind::Language,
            ),
        ],
        anchors: &["serverless-anti-patterns", "error-handling-and-retries"],
        topic: "serverless anti-patterns review",
        instructions: review_instructions,
    },
    PromptSpec {
        name: "harden-stack",
        title: "Harden a serverless stack",
        description: "Harden a CloudFormation/SAM template or CDK stack: least privilege, encryption, DLQs, alarms, tracing, log retention, safe deletion policies.",
        args: &[
            arg(
                "template",
                "The CloudFormation/SAM template or CDK code of the stack.",
                true,
                ValueKind::Text,
            ),
            arg(
                "language",
                "cloudformation, typescript or python (default: detected).",
                false,
                ValueKind::Language,
            ),
        ],
        anchors: &[
            "security-checklist",
            "least-privilege-iam",
            "deployment-checklist",
        ],
        topic: "harden security least privilege encryption alarms",
        instructions: harden_instructions,
    },
    PromptSpec {
        name: "migrate-chaining-to-step-functions",
        title: "Replace Lambda chaining with Step Functions",
        description: "Turn Lambda functions that call each other into a Step Functions state machine with retries, error handling and compensation.",
        args: &[
            arg(
                "handlers",
                "The handlers involved (code, or a description of who calls whom).",
                true,
                ValueKind::Text,
            ),
            arg(
                "language",
                "typescript or python, for the CDK code to produce (default: typescript).",
                false,
                ValueKind::Language,
            ),
        ],
        anchors: &[
            "orchestrate-with-state-machines",
            "step-functions-orchestration",
            "saga-pattern",
        ],
        topic: "orchestrate state machine instead of chaining functions",
        instructions: migrate_instructions,
    },
    PromptSpec {
        name: "choose-messaging-service",
        title: "Choose SQS, SNS, EventBridge or Kinesis",
        description: "Pick the right messaging service (SQS, SNS, EventBridge, Kinesis, or a combination) from requirements, with the trade-offs.",
        args: &[arg(
            "requirements",
            "Producers, consumers, volume, ordering, replay, fan-out, latency and retention needs.",
            true,
            ValueKind::Text,
        )],
        anchors: &["choosing-messaging-service", "ordering-and-deduplication"],
        topic: "choose messaging service queue topic bus stream",
        instructions: choose_instructions,
    },
    PromptSpec {
        name: "scaffold-pattern",
        title: "Start from a proven pattern",
        description: "Generate a CDK app for a proven serverless pattern and adapt it to a use case.",
        args: &[
            arg(
                "pattern",
                "Scaffold id (see list_scaffolds), e.g. sqs-lambda-worker.",
                true,
                ValueKind::ScaffoldId,
            ),
            arg(
                "language",
                "typescript or python (default: typescript).",
                false,
                ValueKind::Language,
            ),
            arg(
                "use_case",
                "What the app is for, to adapt names and handlers.",
                false,
                ValueKind::Text,
            ),
        ],
        anchors: &[],
        topic: "",
        instructions: scaffold_instructions,
    },
    PromptSpec {
        name: "explore-guidance",
        title: "Learn a topic from the guidance",
        description: "Get a guided tour of the guidance for a category or service, with the documents to read in order.",
        args: &[
            arg(
                "category",
                "principles, serverless, event-driven, reliability, security, observability, performance or deployment.",
                false,
                ValueKind::Category,
            ),
            arg(
                "service",
                "An AWS service id, e.g. lambda, sqs, eventbridge.",
                false,
                ValueKind::Service,
            ),
            arg(
                "document",
                "Start from this document id.",
                false,
                ValueKind::DocumentId,
            ),
        ],
        anchors: &[],
        topic: "",
        instructions: explore_instructions,
    },
];

/// Prompt arguments by name (all strings, as the protocol defines them).
pub(crate) struct Args(Map<String, Value>);

impl Args {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    fn or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.get(name).unwrap_or(default)
    }
}

pub(crate) fn spec(name: &str) -> Option<&'static PromptSpec> {
    PROMPTS.iter().find(|p| p.name == name)
}

pub(crate) fn list() -> Vec<Prompt> {
    PROMPTS
        .iter()
        .map(|p| {
            let args = p
                .args
                .iter()
                .map(|a| {
                    PromptArgument::new(a.name)
                        .with_description(a.description)
                        .with_required(a.required)
                })
                .collect();
            Prompt::new(p.name, Some(p.description), Some(args)).with_title(p.title)
        })
        .collect()
}

pub(crate) fn get(
    snapshot: &Snapshot,
    name: &str,
    arguments: Option<Map<String, Value>>,
) -> Result<GetPromptResult, McpError> {
    let spec = spec(name).ok_or_else(|| {
        McpError::invalid_params(
            format!(
                "unknown prompt `{name}`; available prompts: {}",
                PROMPTS
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
        )
    })?;
    let args = Args(arguments.unwrap_or_default());
    for a in spec.args {
        match args.0.get(a.name) {
            None | Some(Value::Null) if a.required => {
                return Err(McpError::invalid_params(
                    format!(
                        "prompt `{name}` needs the argument `{}`: {}",
                        a.name, a.description
                    ),
                    None,
                ));
            }
            Some(Value::String(s)) if s.chars().count() > MAX_ARG_CHARS => {
                return Err(McpError::invalid_params(
                    format!(
                        "argument `{}` is longer than {MAX_ARG_CHARS} characters; pass a smaller part or a file path",
                        a.name
                    ),
                    None,
                ));
            }
            Some(v) if !v.is_string() && !v.is_null() => {
                return Err(McpError::invalid_params(
                    format!("argument `{}` must be a string", a.name),
                    None,
                ));
            }
            _ => {}
        }
    }
    if let Some(unknown) = args
        .0
        .keys()
        .find(|k| !spec.args.iter().any(|a| a.name == k.as_str()))
    {
        return Err(McpError::invalid_params(
            format!(
                "prompt `{name}` has no argument `{unknown}`; its arguments are: {}",
                spec.args
                    .iter()
                    .map(|a| a.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
        ));
    }
    crate::knowledge::read::check_filters(args.get("category"), args.get("service"))
        .map_err(|e| McpError::invalid_params(e, None))?;
    if let Some(doc) = args.get("document")
        && snapshot.library.get(doc).is_none()
    {
        return Err(McpError::invalid_params(
            format!(
                "unknown document `{doc}`; close ids: {}",
                snapshot.library.suggest(doc, 5).join(", ")
            ),
            None,
        ));
    }
    if spec.name == "scaffold-pattern" {
        let pattern = args.or("pattern", "");
        if snapshot.scaffolds.manifest(pattern).is_none() {
            return Err(McpError::invalid_params(
                format!(
                    "unknown scaffold `{pattern}`; available: {}",
                    snapshot.scaffolds.ids().join(", ")
                ),
                None,
            ));
        }
    }

    let mut text = (spec.instructions)(&args);
    let anchors: Vec<&str> = spec
        .anchors
        .iter()
        .copied()
        .filter(|id| snapshot.library.get(id).is_some())
        .collect();
    let embedded = select_sections(snapshot, spec, &args, &anchors);
    if !anchors.is_empty() {
        text.push_str("\n\nDocuments to read for this task (read_guidance): ");
        text.push_str(
            &anchors
                .iter()
                .map(|id| format!("guide://{id}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        text.push('.');
    }
    if !embedded.is_empty() {
        text.push_str("\nThe most relevant guidance sections follow as embedded resources.");
    }
    let mut messages = vec![PromptMessage::new_text(Role::User, text)];
    for (uri, markdown) in embedded {
        messages.push(PromptMessage::new_resource(
            Role::User,
            uri,
            Some("text/markdown".into()),
            Some(markdown),
            None,
            None,
            None,
        ));
    }
    Ok(GetPromptResult::new(messages).with_description(spec.description))
}

/// The sections to embed: the best search hits for the arguments and the
/// prompt's topic, one per document, anchors first.
fn select_sections(
    snapshot: &Snapshot,
    spec: &PromptSpec,
    args: &Args,
    anchors: &[&str],
) -> Vec<(String, String)> {
    let mut query = String::from(spec.topic);
    for a in spec.args.iter().filter(|a| a.kind == ValueKind::Text) {
        if let Some(v) = args.get(a.name) {
            // Code makes a poor query; its first lines carry the imports and names that matter.
            let words: String = v.chars().take(400).collect();
            query.push(' ');
            query.push_str(&words);
        }
    }
    let mut opts = SearchOptions {
        limit: 20,
        ..Default::default()
    };
    opts.category = args.get("category").map(str::to_string);
    opts.service = args.get("service").map(str::to_string);
    if let Some(doc) = args.get("document") {
        query.push(' ');
        query.push_str(doc);
    }
    if query.trim().is_empty() {
        query = opts
            .category
            .clone()
            .or_else(|| opts.service.clone())
            .unwrap_or_else(|| "serverless design principles".into());
    }
    let hits = snapshot.index.search(&query, &opts).unwrap_or_default();
    let doc_of = |uri: &str| parse_guide_uri(uri).map(|(id, _)| id).unwrap_or_default();
    // Anchored documents first, then the rest in rank order.
    let mut ordered: Vec<&crate::search::SearchHit> = hits
        .iter()
        .filter(|h| anchors.contains(&doc_of(&h.uri).as_str()))
        .collect();
    ordered.extend(
        hits.iter()
            .filter(|h| !anchors.contains(&doc_of(&h.uri).as_str())),
    );
    let mut seen = Vec::new();
    let mut out = Vec::new();
    if let Some(id) = args.get("document")
        && let Some(doc) = snapshot.library.get(id)
        && let Some(first) = doc.sections.first()
    {
        seen.push(doc.meta.id.clone());
        out.push((doc.uri(), first.markdown.clone()));
    }
    for hit in ordered {
        if out.len() >= EMBEDDED_SECTIONS {
            break;
        }
        let Ok((id, slug)) = parse_guide_uri(&hit.uri) else {
            continue;
        };
        if seen.contains(&id) {
            continue;
        }
        let Some(doc) = snapshot.library.get(&id) else {
            continue;
        };
        // A hit without a section is the document's introduction (slug "").
        if let Some(section) = doc.section(slug.as_deref().unwrap_or_default()) {
            seen.push(id);
            out.push((hit.uri.clone(), section.markdown.clone()));
        }
    }
    out
}

fn fence_lang(args: &Args) -> &str {
    match args.get("language") {
        Some("cloudformation") => "yaml",
        Some(l) => l,
        None => "",
    }
}

fn design_instructions(a: &Args) -> String {
    format!(
        "Design an event-driven AWS serverless workflow for this use case:\n\n{}\n\n\
Requirements: throughput: {}; ordering: {}; latency: {}.\n\n\
Work through it with the serverless-guide tools:\n\
1. Call search_guidance with the use case in plain words, and once for each requirement that constrains \
the design (ordering, throughput, latency); read the best hits with read_guidance.\n\
2. Choose the services for each hop (API Gateway, SQS, SNS, EventBridge, Kinesis, Step Functions, \
DynamoDB Streams) and say why each fits the stated throughput, ordering and latency, and what it costs.\n\
3. Draw the flow: producers, events (names and schemas), consumers, and where state lives.\n\
4. Design for failure: retries, dead-letter queues or on-failure destinations, idempotency keys, \
partial batch responses, timeouts, and how a poison message is found and redriven.\n\
5. Observability: structured logs, metrics and alarms (DLQ depth, iterator age, errors), tracing.\n\
6. If a pattern fits, call list_scaffolds and offer scaffold_pattern to start from it.\n\
Where a requirement is not stated, state your assumption. Cite the guide:// URIs you relied on.",
        a.or("use_case", ""),
        a.or("throughput", "not stated"),
        a.or("ordering", "not stated"),
        a.or("latency", "not stated"),
    )
}

fn review_instructions(a: &Args) -> String {
    let language = a
        .get("language")
        .map(|l| format!(" with language `{l}`"))
        .unwrap_or_default();
    format!(
        "Review this code for AWS serverless anti-patterns.\n\n\
1. If it is a file path rather than code, read the file first. Call review_code on the code{language}.\n\
2. For every finding, read its guidance_uri with read_guidance (or call explain_rule) so the fix follows \
the guidance, not a guess.\n\
3. Then check what rules cannot see: the design (synchronous chains, missing idempotency for retried \
events, timeouts against the trigger's, concurrency against downstream limits); use search_guidance.\n\
4. Report the findings by severity with their line, why each matters in production, and the fix as a \
code change. Say explicitly when nothing is wrong.\n\n\
```{}\n{}\n```",
        fence_lang(a),
        a.or("code", "")
    )
}

fn harden_instructions(a: &Args) -> String {
    format!(
        "Harden this serverless stack.\n\n\
1. Call review_code on it (language cloudformation for a CloudFormation/SAM template, typescript or \
python for CDK code) and read the guidance of each finding.\n\
2. Go through the security checklist: least-privilege IAM (no wildcard actions or resources), \
encryption at rest and in transit, secrets in Secrets Manager or Parameter Store (never in environment \
variables or code), API authorization and throttling.\n\
3. Reliability and operations: DLQs or on-failure destinations for every asynchronous path, alarms on \
them, X-Ray tracing, log retention, RETAIN on stateful resources, reserved or maximum concurrency \
where a downstream can be overwhelmed.\n\
4. Return the hardened version as a diff or full file, and list each change with the guide:// URI \
that motivates it.\n\n\
```{}\n{}\n```",
        fence_lang(a),
        a.or("template", "")
    )
}

fn migrate_instructions(a: &Args) -> String {
    format!(
        "These Lambda functions call each other directly. Replace the chaining with an AWS Step Functions \
state machine.\n\n\
1. Read guide://orchestrate-with-state-machines and guide://step-functions-orchestration \
(read_guidance); search_guidance for anything specific to these handlers.\n\
2. Map each function call to a task state (or a direct service integration where the function only \
calls an AWS API), with Retry on transient errors and Catch to a failure path.\n\
3. Decide Standard or Express from duration, volume and exactly-once needs; if steps have side effects \
that must be undone, add compensation (saga).\n\
4. Strip the orchestration code out of the handlers so each does one job and returns its result.\n\
5. Produce the CDK code in {} for the state machine, with logging, tracing and an alarm on failed \
executions; offer scaffold_pattern with stepfunctions-saga if it fits.\n\n\
Handlers:\n\n{}",
        a.or("language", "typescript"),
        a.or("handlers", "")
    )
}

fn choose_instructions(a: &Args) -> String {
    format!(
        "Choose the messaging service for these requirements:\n\n{}\n\n\
1. Read guide://choosing-messaging-service (read_guidance) and search_guidance for the requirements \
that decide it (ordering, replay, fan-out, throughput, payload size, latency).\n\
2. Compare SQS (standard, FIFO), SNS (standard, FIFO), EventBridge (bus, Pipes, Scheduler) and Kinesis \
Data Streams against each requirement in a table, including limits and cost at the stated volume.\n\
3. Recommend one service or a combination (for example SNS to SQS fan-out), say what would change the \
choice, and how consumers handle failure (DLQ, partial batch responses, idempotency).\n\
Cite the guide:// URIs you relied on.",
        a.or("requirements", "")
    )
}

fn scaffold_instructions(a: &Args) -> String {
    let use_case = a
        .get("use_case")
        .map(|u| format!(" for this use case: {u}"))
        .unwrap_or_default();
    format!(
        "Start a CDK app from the `{pattern}` pattern in {language}{use_case}.\n\n\
1. Read scaffold://{pattern} (the architecture and options) and its guidance document.\n\
2. Call scaffold_pattern with pattern `{pattern}`, language `{language}` and a name that fits; pick \
options that match the use case.\n\
3. Write the returned files, then adapt the handlers to the use case without removing the DLQs, \
alarms, tracing, idempotency or least-privilege grants the pattern sets up.\n\
4. Run review_code on every handler you change; give the deploy and test steps from the generated README.",
        pattern = a.or("pattern", ""),
        language = a.or("language", "typescript"),
    )
}

fn explore_instructions(a: &Args) -> String {
    let mut scope = Vec::new();
    if let Some(c) = a.get("category") {
        scope.push(format!("category `{c}`"));
    }
    if let Some(s) = a.get("service") {
        scope.push(format!("service `{s}`"));
    }
    if let Some(d) = a.get("document") {
        scope.push(format!("document guide://{d}"));
    }
    let scope = if scope.is_empty() {
        "the whole guide".to_string()
    } else {
        scope.join(", ")
    };
    format!(
        "Give me a guided tour of the serverless guidance for {scope}.\n\n\
1. Call list_guidance with the category and service given, and read the documents that matter most \
with read_guidance (follow `related`).\n\
2. Summarise what to know in order: the core idea, the decisions to make, the common mistakes and the \
checklist, each with its guide:// URI.\n\
3. Finish with three questions I should be able to answer about my own system after reading."
    )
}
