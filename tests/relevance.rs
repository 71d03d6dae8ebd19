//! The public relevance evaluation: questions phrased as users ask them
//! (knowledge/eval/*.yaml) against the built-in knowledge. Prints hit@3 and
//! MRR and fails below hit@3 0.90 or MRR 0.75.

use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::knowledge::validate::load_eval;
use serverless_guide::search::SearchOptions;
use serverless_guide::snapshot::Snapshot;

#[test]
fn relevance_hit_at_3_and_mrr() {
    let sources = KnowledgeSources::builtin();
    let snapshot = Snapshot::load(sources.clone()).expect("built-in knowledge loads");
    let queries = load_eval(&sources).expect("evaluation file parses");
    assert!(
        queries.len() >= 60,
        "only {} evaluation queries",
        queries.len()
    );
    let opts = SearchOptions {
        limit: 10,
        ..Default::default()
    };
    let mut hits3 = 0usize;
    let mut rr = 0f64;
    let mut misses = Vec::new();
    for (_, q) in &queries {
        let results = snapshot.index.search(&q.query, &opts).expect("search");
        let ids: Vec<&str> = results
            .iter()
            .map(|h| {
                h.uri
                    .trim_start_matches("guide://")
                    .split('#')
                    .next()
                    .unwrap_or_default()
            })
            .collect();
        let rank = ids
            .iter()
            .position(|id| q.expected.iter().any(|e| e == id))
            .map(|p| p + 1);
        match rank {
            Some(r) => {
                rr += 1.0 / r as f64;
                if r <= 3 {
                    hits3 += 1;
                } else {
                    misses.push(format!(
                        "#{r} {:?} -> {:?}, got {:?}",
                        q.query,
                        q.expected,
                        &ids[..3.min(ids.len())]
                    ));
                }
            }
            None => misses.push(format!(
                "miss {:?} -> {:?}, got {:?}",
                q.query,
                q.expected,
                &ids[..3.min(ids.len())]
            )),
        }
    }
    let n = queries.len() as f64;
    let hit3 = hits3 as f64 / n;
    let mrr = rr / n;
    println!(
        "relevance: {} queries, hit@3 = {hit3:.3}, MRR = {mrr:.3}",
        queries.len()
    );
    for m in &misses {
        println!("  {m}");
    }
    assert!(hit3 >= 0.90, "hit@3 {hit3:.3} below 0.90");
    assert!(mrr >= 0.75, "MRR {mrr:.3} below 0.75");
}
