//! Search over the built-in knowledge: a fixed set of 20 questions phrased the way
//! users and agents ask them (short keyword queries, long questions, filters,
//! synonyms, a typo-ish query and one that matches nothing well).
//! Target (issue 9): p50 <= 1 ms per search, measured end to end in scripts/bench.sh;
//! here the library call alone.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::search::SearchOptions;
use serverless_guide::snapshot::Snapshot;

/// (query, category filter, service filter)
const QUERIES: &[(&str, Option<&str>, Option<&str>)] = &[
    ("sqs dlq", None, None),
    (
        "how do I make my lambda idempotent when sqs delivers a message twice",
        None,
        None,
    ),
    ("partial batch response kinesis", None, None),
    ("reduce cold start latency for java functions", None, None),
    ("step functions saga compensation", None, None),
    (
        "eventbridge rule retry policy and dead letter queue",
        None,
        None,
    ),
    (
        "least privilege iam role for lambda",
        Some("security"),
        None,
    ),
    ("structured logging correlation id", None, Some("lambda")),
    (
        "api gateway throttling and usage plans",
        None,
        Some("api-gateway"),
    ),
    ("dynamodb streams event sourcing", None, None),
    (
        "canary deployment with codedeploy alarms",
        Some("deployment"),
        None,
    ),
    ("visibility timeout", None, Some("sqs")),
    ("secrets manager caching", None, None),
    ("fifo ordering message group id", None, None),
    ("provisioned concurrency vs snapstart", None, None),
    ("fan out sns to multiple sqs queues", None, None),
    (
        "what alarms should I create for a queue based worker",
        None,
        None,
    ),
    ("ddb single table design", None, None),
    ("x-ray tracing across eventbridge", None, None),
    ("kubernetes helm chart", None, None),
];

fn options(category: Option<&str>, service: Option<&str>) -> SearchOptions {
    SearchOptions {
        category: category.map(str::to_string),
        service: service.map(str::to_string),
        limit: 5,
    }
}

fn bench(c: &mut Criterion) {
    let snapshot = Snapshot::load(KnowledgeSources::builtin()).expect("snapshot");
    let prepared: Vec<(&str, SearchOptions)> = QUERIES
        .iter()
        .map(|(q, cat, svc)| (*q, options(*cat, *svc)))
        .collect();
    for (q, o) in &prepared {
        snapshot.index.search(q, o).expect("query parses");
    }

    let mut g = c.benchmark_group("search");
    g.throughput(Throughput::Elements(prepared.len() as u64));
    g.bench_function("all 20 queries (limit 5)", |b| {
        b.iter(|| {
            for (q, o) in &prepared {
                std::hint::black_box(snapshot.index.search(q, o).expect("search"));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("search one query");
    for i in [0usize, 1, 6, 19] {
        let (q, o) = &prepared[i];
        g.bench_with_input(BenchmarkId::from_parameter(q), q, |b, q| {
            b.iter(|| snapshot.index.search(q, o).expect("search"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
