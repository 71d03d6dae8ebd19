//! Scaffold rendering: one pattern in one language (what a `scaffold_pattern` call
//! costs) and every pattern in every language it offers, all from the built-in
//! catalog, in memory.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::scaffold::{Language, ScaffoldCatalog};

fn bench(c: &mut Criterion) {
    let catalog = ScaffoldCatalog::load(&KnowledgeSources::builtin()).expect("catalog");
    let no_options = serde_json::Map::new();
    let all: Vec<(String, Language)> = catalog
        .list()
        .into_iter()
        .flat_map(|s| s.languages.into_iter().map(move |l| (s.id.clone(), l)))
        .collect();
    assert!(!all.is_empty(), "the built-in catalog has patterns");

    let mut g = c.benchmark_group("scaffold render");
    g.bench_function("api-lambda-dynamodb typescript", |b| {
        b.iter(|| {
            catalog
                .render(
                    "api-lambda-dynamodb",
                    Language::Typescript,
                    Some("orders-api"),
                    &no_options,
                )
                .expect("render")
        })
    });
    g.bench_function("sqs-lambda-worker python", |b| {
        b.iter(|| {
            catalog
                .render("sqs-lambda-worker", Language::Python, None, &no_options)
                .expect("render")
        })
    });
    g.throughput(Throughput::Elements(all.len() as u64));
    g.bench_function(format!("all {} pattern/language pairs", all.len()), |b| {
        b.iter(|| {
            for (id, lang) in &all {
                std::hint::black_box(
                    catalog
                        .render(id, *lang, None, &no_options)
                        .expect("render"),
                );
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
