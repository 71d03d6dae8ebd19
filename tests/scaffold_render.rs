//! Scaffold rendering: every pattern x language renders completely, the output parses, names
//! and paths are checked, and the file list of each pattern is pinned by a snapshot.

use std::collections::BTreeMap;

use ast_grep_core::tree_sitter::LanguageExt;
use ast_grep_language::SupportLang;
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::scaffold::{Language, ScaffoldCatalog, ScaffoldError, write_files};

/// The ten patterns issue 5 asks for.
const PATTERNS: [&str; 10] = [
    "api-lambda-dynamodb",
    "sqs-lambda-worker",
    "sns-sqs-fanout",
    "eventbridge-router",
    "stepfunctions-saga",
    "dynamodb-streams-event-sourcing",
    "kinesis-stream-processor",
    "scheduled-job",
    "webhook-receiver",
    "s3-event-pipeline",
];

fn catalog() -> ScaffoldCatalog {
    ScaffoldCatalog::load(&KnowledgeSources::builtin()).expect("the built-in scaffolds load")
}

fn no_options() -> serde_json::Map<String, serde_json::Value> {
    serde_json::Map::new()
}

/// Every rendering the catalog offers: defaults plus each non-default option value.
fn all_renderings(
    cat: &ScaffoldCatalog,
) -> Vec<(String, Language, serde_json::Map<String, serde_json::Value>)> {
    let mut out = Vec::new();
    for s in cat.list() {
        for lang in &s.languages {
            out.push((s.id.clone(), *lang, no_options()));
            for o in &s.options {
                for choice in o
                    .choices
                    .iter()
                    .filter(|c| serde_json::json!(c) != o.default)
                {
                    let mut opts = no_options();
                    opts.insert(o.name.clone(), serde_json::json!(choice));
                    out.push((s.id.clone(), *lang, opts));
                }
            }
        }
    }
    out
}

fn syntax_errors(lang: SupportLang, src: &str) -> Vec<String> {
    let grep = lang.ast_grep(src);
    let root = grep.root();
    root.dfs()
        .filter(|n| n.is_error() || n.is_missing())
        .map(|n| {
            format!(
                "line {}: {:?}",
                n.start_pos().line() + 1,
                n.text().chars().take(60).collect::<String>()
            )
        })
        .collect()
}

#[test]
fn every_required_pattern_is_offered_in_both_languages() {
    let cat = catalog();
    for id in PATTERNS {
        let s = cat
            .summary(id)
            .unwrap_or_else(|| panic!("pattern {id} is missing"));
        assert_eq!(
            s.languages,
            vec![Language::Typescript, Language::Python],
            "{id}"
        );
        assert!(s.guidance_uri.starts_with("guide://"), "{id}");
        assert!(!s.services.is_empty() && !s.summary.is_empty(), "{id}");
    }
}

#[test]
fn every_rendering_is_complete_and_parses() {
    let cat = catalog();
    let renderings = all_renderings(&cat);
    assert!(
        renderings.len() >= 20,
        "only {} renderings",
        renderings.len()
    );
    for (id, lang, opts) in renderings {
        let g = cat
            .render(&id, lang, None, &opts)
            .unwrap_or_else(|e| panic!("{id} {lang} {opts:?}: {e}"));
        let paths: Vec<&str> = g.files.iter().map(|f| f.path.as_str()).collect();
        let required: Vec<String> = match lang {
            Language::Typescript => [
                "package.json",
                "tsconfig.json",
                "cdk.json",
                "README.md",
                ".gitignore",
            ]
            .iter()
            .map(|s| s.to_string())
            .chain([
                format!("bin/{id}.ts"),
                format!("lib/{id}-stack.ts"),
                format!("test/{id}.test.ts"),
            ])
            .collect(),
            Language::Python => [
                "requirements.txt",
                "requirements-dev.txt",
                "app.py",
                "cdk.json",
                "README.md",
                "tests/test_stack.py",
            ]
            .iter()
            .map(|s| s.to_string())
            .chain([format!("{}/stack.py", id.replace('-', "_"))])
            .collect(),
        };
        for r in &required {
            assert!(
                paths.contains(&r.as_str()),
                "{id} {lang}: missing {r} in {paths:?}"
            );
        }
        for f in &g.files {
            let where_ = format!("{id} {lang} {opts:?} {}", f.path);
            assert!(
                !f.content.contains("{{") && !f.content.contains("{%") && !f.content.contains("{#"),
                "{where_}: unrendered template syntax"
            );
            if f.path.ends_with(".json") {
                serde_json::from_str::<serde_json::Value>(&f.content)
                    .unwrap_or_else(|e| panic!("{where_}: invalid JSON: {e}"));
            }
            let grammar = if f.path.ends_with(".ts") {
                Some(SupportLang::TypeScript)
            } else if f.path.ends_with(".py") {
                Some(SupportLang::Python)
            } else {
                None
            };
            if let Some(grammar) = grammar {
                let errors = syntax_errors(grammar, &f.content);
                assert!(
                    errors.is_empty(),
                    "{where_}: syntax errors {errors:?}\n{}",
                    f.content
                );
            }
        }
        assert!(!g.next_steps.is_empty());
    }
}

#[test]
fn cdk_json_turns_on_strict_validation_and_versions_come_from_versions_yaml() {
    let cat = catalog();
    let versions: serde_json::Value = {
        let text = std::fs::read_to_string("knowledge/scaffolds/versions.yaml").unwrap();
        let y: yaml_serde::Value = yaml_serde::from_str(&text).unwrap();
        serde_json::to_value(y).unwrap()
    };
    for id in PATTERNS {
        for lang in Language::ALL {
            let g = cat.render(id, lang, None, &no_options()).unwrap();
            let file = |p: &str| &g.files.iter().find(|f| f.path == p).unwrap().content;
            let cdk: serde_json::Value = serde_json::from_str(file("cdk.json")).unwrap();
            assert_eq!(
                cdk["context"]["@aws-cdk/core:validateAgainstDefaultRules"], true,
                "{id} {lang}"
            );
            assert!(
                cdk["context"].as_object().unwrap().len() > 80,
                "{id} {lang}: recommended feature flags missing"
            );
            match lang {
                Language::Typescript => {
                    let pkg: serde_json::Value =
                        serde_json::from_str(file("package.json")).unwrap();
                    assert_eq!(
                        pkg["dependencies"]["aws-cdk-lib"],
                        versions["typescript"]["aws_cdk_lib"]
                    );
                    assert_eq!(
                        pkg["devDependencies"]["aws-cdk"],
                        versions["typescript"]["aws_cdk_cli"]
                    );
                }
                Language::Python => {
                    let want = format!(
                        "aws-cdk-lib=={}",
                        versions["python"]["aws_cdk_lib"].as_str().unwrap()
                    );
                    assert!(file("requirements.txt").lines().any(|l| l == want), "{id}");
                }
            }
        }
    }
}

#[test]
fn generated_code_has_no_hard_coded_names_or_environments() {
    let cat = catalog();
    for (id, lang, opts) in all_renderings(&cat) {
        let g = cat.render(&id, lang, None, &opts).unwrap();
        for f in g.files.iter().filter(|f| {
            // Infrastructure code only: handlers legitimately read names from the environment.
            !f.path.starts_with("lambda/") && (f.path.ends_with(".ts") || f.path.ends_with(".py"))
        }) {
            for needle in [
                "functionName:",
                "queueName:",
                "tableName:",
                "topicName:",
                "bucketName:",
                "function_name=",
                "queue_name=",
                "table_name=",
                "bucket_name=",
                "env: {",
                "fromLookup",
            ] {
                assert!(
                    !f.content.contains(needle),
                    "{id} {lang} {}: contains `{needle}`",
                    f.path
                );
            }
        }
    }
}

#[test]
fn names_become_identifiers() {
    let cat = catalog();
    let g = cat
        .render(
            "sqs-lambda-worker",
            Language::Python,
            Some("orders-worker"),
            &no_options(),
        )
        .unwrap();
    assert!(g.files.iter().any(|f| f.path == "orders_worker/stack.py"));
    let app = g.files.iter().find(|f| f.path == "app.py").unwrap();
    assert!(
        app.content
            .contains("from orders_worker.stack import OrdersWorkerStack")
    );
    let g = cat
        .render(
            "sqs-lambda-worker",
            Language::Typescript,
            Some("orders-worker"),
            &no_options(),
        )
        .unwrap();
    assert!(
        g.files
            .iter()
            .any(|f| f.path == "lib/orders-worker-stack.ts")
    );
    for bad in ["Orders", "../evil", "a/b", "class", "x-", ""] {
        match cat.render(
            "sqs-lambda-worker",
            Language::Typescript,
            Some(bad),
            &no_options(),
        ) {
            Err(ScaffoldError::InvalidName { .. }) => {}
            other => panic!("{bad:?}: expected InvalidName, got {other:?}"),
        }
    }
}

#[test]
fn options_are_checked() {
    let cat = catalog();
    let mut opts = no_options();
    opts.insert("api_type".into(), serde_json::json!("rest"));
    let g = cat
        .render("api-lambda-dynamodb", Language::Typescript, None, &opts)
        .unwrap();
    let stack = g
        .files
        .iter()
        .find(|f| f.path.ends_with("-stack.ts"))
        .unwrap();
    assert!(stack.content.contains("apigw.RestApi"));
    let g = cat
        .render(
            "api-lambda-dynamodb",
            Language::Typescript,
            None,
            &no_options(),
        )
        .unwrap();
    let stack = g
        .files
        .iter()
        .find(|f| f.path.ends_with("-stack.ts"))
        .unwrap();
    assert!(stack.content.contains("apigwv2.HttpApi"));

    opts.insert("api_type".into(), serde_json::json!("graphql"));
    let err = cat
        .render("api-lambda-dynamodb", Language::Typescript, None, &opts)
        .unwrap_err();
    assert!(err.to_string().contains("http, rest"), "{err}");
    let mut unknown = no_options();
    unknown.insert("colour".into(), serde_json::json!("red"));
    let err = cat
        .render("api-lambda-dynamodb", Language::Python, None, &unknown)
        .unwrap_err();
    assert!(err.to_string().contains("valid options: api_type"), "{err}");
}

#[test]
fn unknown_pattern_lists_the_patterns() {
    let err = catalog()
        .render("nope", Language::Python, None, &no_options())
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ScaffoldError::UnknownPattern { .. }));
    assert!(
        msg.contains("sqs-lambda-worker") && msg.contains("scheduled-job"),
        "{msg}"
    );
}

#[test]
fn describe_lists_options_and_files() {
    let md = catalog().describe("api-lambda-dynamodb").unwrap();
    assert!(md.contains("api_type") && md.contains("guide://"));
    assert!(
        md.contains("`lib/api-lambda-dynamodb-stack.ts`")
            && md.contains("`api_lambda_dynamodb/stack.py`")
    );
}

#[test]
fn file_lists_per_pattern() {
    let cat = catalog();
    let mut lists: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for s in cat.list() {
        for lang in &s.languages {
            let g = cat.render(&s.id, *lang, None, &no_options()).unwrap();
            lists.entry(s.id.clone()).or_default().insert(
                lang.to_string(),
                g.files.iter().map(|f| f.path.clone()).collect(),
            );
        }
    }
    insta::assert_yaml_snapshot!(lists);
}

#[test]
fn writing_refuses_overwrites_and_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let g = catalog()
        .render("scheduled-job", Language::Python, None, &no_options())
        .unwrap();
    let written = write_files(dir.path(), &g.files, false).unwrap();
    assert_eq!(written.len(), g.files.len());
    let err = write_files(dir.path(), &g.files, false).unwrap_err();
    assert!(matches!(err, ScaffoldError::WouldOverwrite { .. }), "{err}");
    write_files(dir.path(), &g.files, true).unwrap();

    let evil = vec![serverless_guide::scaffold::GeneratedFile {
        path: "../evil.txt".into(),
        content: "x".into(),
    }];
    assert!(matches!(
        write_files(dir.path(), &evil, true),
        Err(ScaffoldError::UnsafePath { .. })
    ));
    assert!(!dir.path().parent().unwrap().join("evil.txt").exists());

    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        let through = vec![serverless_guide::scaffold::GeneratedFile {
            path: "link/x.txt".into(),
            content: "x".into(),
        }];
        assert!(matches!(
            write_files(dir.path(), &through, true),
            Err(ScaffoldError::UnsafePath { .. })
        ));
        assert!(!outside.path().join("x.txt").exists());
    }
}
