use super::*;
use crate::knowledge::parse_document;

fn doc(id: &str, title: &str, category: &str, services: &str, tags: &str, body: &str) -> Document {
    let src = format!(
        "---\nid: {id}\ntitle: {title}\ncategory: {category}\nservices: [{services}]\nsummary: About {title}.\ntags: [{tags}]\nlast_reviewed: 2026-12-01\n---\n# {title}\n\n{body}\n"
    );
    parse_document(&format!("{id}.md"), &src, true).unwrap()
}

fn index() -> SearchIndex {
    let docs = vec![
        doc(
            "dlq",
            "Dead-letter queues and destinations",
            "reliability",
            "sqs, lambda",
            "redrive",
            "Intro.\n\n## Redrive policy\n\nSet maxReceiveCount on the redrive policy so poison messages move to the dead-letter queue.\n\n## Alarms\n\nAlarm on the queue depth of the dead-letter queue.\n\n## Retention\n\nKeep messages for 14 days in the dead-letter queue.",
        ),
        doc(
            "orchestrate",
            "Orchestrate with state machines",
            "principles",
            "step-functions",
            "workflow",
            "## Why not chain functions\n\nA function that invokes another function and waits pays twice. Use Step Functions for orchestration.\n\n## Standard and Express\n\nStandard workflows run up to a year.",
        ),
        doc(
            "idem",
            "Idempotency",
            "reliability",
            "lambda, dynamodb",
            "duplicates",
            "## Idempotency keys\n\nStore a key per request in DynamoDB with a conditional write.\n\n## Retries\n\nRetries with backoff cause duplicates; handle them.",
        ),
        doc(
            "apis",
            "API Gateway security",
            "security",
            "api-gateway",
            "authorizer",
            "## Authorizers\n\nUse a Lambda authorizer or Cognito on API Gateway routes.",
        ),
    ];
    let lib = Arc::new(Library::from_documents(docs, vec![]));
    let syn = Synonyms::from_groups(vec![
        vec!["dlq".into(), "dead letter queue".into()],
        vec!["sfn".into(), "step functions".into()],
        vec!["ddb".into(), "dynamodb".into()],
        vec!["apigw".into(), "api gateway".into()],
    ]);
    SearchIndex::build(lib, syn).unwrap()
}

fn top_ids(idx: &SearchIndex, q: &str) -> Vec<String> {
    idx.search(q, &SearchOptions::default())
        .unwrap()
        .into_iter()
        .map(|h| {
            h.uri
                .trim_start_matches("guide://")
                .split('#')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn finds_by_stemmed_words_and_ranks_title_matches_first() {
    let idx = index();
    assert_eq!(
        top_ids(&idx, "dead letter queues")
            .first()
            .map(String::as_str),
        Some("dlq")
    );
    assert_eq!(
        top_ids(&idx, "orchestrating workflows")
            .first()
            .map(String::as_str),
        Some("orchestrate")
    );
}

#[test]
fn synonyms_expand_acronyms() {
    let idx = index();
    assert_eq!(
        top_ids(&idx, "DLQ").first().map(String::as_str),
        Some("dlq")
    );
    assert_eq!(
        top_ids(&idx, "SFN").first().map(String::as_str),
        Some("orchestrate")
    );
    assert_eq!(
        top_ids(&idx, "apigw auth").first().map(String::as_str),
        Some("apis")
    );
    assert_eq!(
        top_ids(&idx, "DDB conditional write")
            .first()
            .map(String::as_str),
        Some("idem")
    );
}

#[test]
fn one_document_does_not_flood_the_top() {
    let idx = index();
    let hits = top_ids(&idx, "dead letter queue retries");
    // The dlq document has three matching sections; the idempotency document must still show up
    // before the dlq document's second section.
    let first_idem = hits
        .iter()
        .position(|h| h == "idem")
        .expect("idem in results");
    let second_dlq = hits
        .iter()
        .enumerate()
        .filter(|(_, h)| *h == "dlq")
        .nth(1)
        .map(|(i, _)| i);
    assert!(second_dlq.is_none_or(|i| i > first_idem), "{hits:?}");
}

#[test]
fn filters_by_category_and_service() {
    let idx = index();
    let opts = SearchOptions {
        category: Some("principles".into()),
        ..Default::default()
    };
    let hits = idx.search("functions", &opts).unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.category == "principles"));
    let opts = SearchOptions {
        service: Some("dynamodb".into()),
        ..Default::default()
    };
    let hits = idx.search("retries duplicates queue", &opts).unwrap();
    assert!(
        hits.iter()
            .all(|h| h.services.iter().any(|s| s == "dynamodb")),
        "{hits:?}"
    );
    let opts = SearchOptions {
        category: Some("nope".into()),
        ..Default::default()
    };
    assert!(idx.search("queue", &opts).unwrap().is_empty());
}

#[test]
fn no_user_string_is_an_error() {
    let idx = index();
    for q in [
        "\"unbalanced",
        "(queue AND",
        "AND",
        "OR OR",
        "~",
        ":",
        "title:",
        "foo:bar",
        "queue~2",
        "*",
        "-",
        "+",
        "\\",
        "[1 TO",
        "{}",
        "^2",
        "dead-letter",
        "what's a DLQ?",
        "",
        "   ",
        "\u{0}\u{7}",
        "😀 queue",
    ] {
        let r = idx.search(q, &SearchOptions::default());
        assert!(r.is_ok(), "{q:?}: {r:?}");
    }
    assert!(
        idx.search("", &SearchOptions::default())
            .unwrap()
            .is_empty()
    );
    let long = "queue ".repeat(10_000);
    assert!(
        !idx.search(&long, &SearchOptions::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn snippets_are_plain_text_with_marked_words() {
    let idx = index();
    let hits = idx
        .search("redrive policy", &SearchOptions::default())
        .unwrap();
    let hit = hits.first().unwrap();
    assert_eq!(hit.uri, "guide://dlq#redrive-policy");
    assert_eq!(hit.section, "Redrive policy");
    assert!(hit.snippet.contains("**redrive**"), "{}", hit.snippet);
    assert!(!hit.snippet.contains('<'), "{}", hit.snippet);
}

#[test]
fn limit_is_clamped() {
    let idx = index();
    let opts = SearchOptions {
        limit: 1,
        ..Default::default()
    };
    assert_eq!(idx.search("queue", &opts).unwrap().len(), 1);
    let opts = SearchOptions {
        limit: 500,
        ..Default::default()
    };
    assert!(idx.search("the queue function api", &opts).unwrap().len() <= MAX_LIMIT);
}

#[test]
fn a_dash_between_words_does_not_exclude_the_next_word() {
    let idx = index();
    let ids = |q: &str| -> Vec<String> {
        idx.search(q, &SearchOptions::default())
            .unwrap()
            .into_iter()
            .map(|h| h.uri)
            .collect()
    };
    let plain = ids("poison messages dead-letter queue");
    assert!(!plain.is_empty());
    // Typed as prose, not as the parser's `-word` exclusion or `+word` requirement.
    assert_eq!(ids("poison messages - dead-letter queue"), plain);
    assert_eq!(ids("poison messages + dead-letter queue"), plain);
    assert_eq!(ids("poison messages -dead-letter queue"), plain);
}
