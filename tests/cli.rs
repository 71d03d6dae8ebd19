//! Every CLI command and exit code, run as a user would run them.

use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_serverless-guide"))
        .args(args)
        .output()
        .expect("run binary")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

#[test]
fn search_json_returns_ranked_guide_hits() {
    let v = json(&run(&["search", "dead letter queue", "--json"]));
    let results = v["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(
        results
            .iter()
            .all(|r| r["uri"].as_str().unwrap().starts_with("guide://"))
    );
    let scores: Vec<f64> = results
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {scores:?}"
    );
}

#[test]
fn search_text_and_filters() {
    let out = run(&[
        "search",
        "idempotency keys",
        "--category",
        "reliability",
        "--limit",
        "3",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("guide://"), "{text}");
    let v = json(&run(&["search", "queue", "--service", "sqs", "--json"]));
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["services"].as_array().unwrap().iter().any(|s| s == "sqs"))
    );
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let long_query = "queue ".repeat(200);
    for args in [
        vec!["search"],
        vec!["search", long_query.as_str()],
        vec!["search", "   "],
        vec!["search", "x", "--limit", "0"],
        vec!["search", "x", "--category", "astrology"],
        vec!["read", "guide://no-such-doc"],
        vec!["read", "rule://x"],
        vec!["list", "--service", "ec2"],
        vec!["no-such-command"],
        vec!["--knowledge", "/nonexistent/dir", "list"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.trim().is_empty(), "{args:?} printed no message");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    }
}

#[test]
fn read_prints_markdown_or_json() {
    let out = run(&["read", "guide://idempotency"]);
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("# "));
    let v = json(&run(&["read", "guide://idempotency", "--json"]));
    assert_eq!(v["uri"], "guide://idempotency");
    assert!(v["related"].is_array());
    let section = v["sections"][0].as_str().unwrap().to_string();
    let s = json(&run(&["read", &section, "--json"]));
    assert_eq!(s["uri"], section.as_str());
    assert!(s["markdown"].as_str().unwrap().starts_with("##"));
}

#[test]
fn list_json_covers_every_category() {
    let v = json(&run(&["list", "--json"]));
    let docs = v["documents"].as_array().unwrap();
    for c in [
        "principles",
        "event-driven",
        "serverless",
        "reliability",
        "security",
        "observability",
        "performance",
        "deployment",
    ] {
        assert!(
            docs.iter().any(|d| d["category"] == c),
            "no document in {c}"
        );
    }
    let text = String::from_utf8(run(&["list", "--category", "principles"]).stdout).unwrap();
    assert!(
        text.contains("guide://orchestrate-with-state-machines"),
        "{text}"
    );
}

#[test]
fn team_knowledge_overrides_and_adds() {
    let dir = tempfile::tempdir().unwrap();
    let guides = dir.path().join("guides/team");
    std::fs::create_dir_all(&guides).unwrap();
    std::fs::write(
        guides.join("our-queue-standard.md"),
        "---\nid: our-queue-standard\ntitle: Our zanzibar queue standard\ncategory: reliability\nservices: [sqs]\nsummary: How our team configures queues.\nlast_reviewed: 2026-12-01\n---\n# Our zanzibar queue standard\n\n## Rules\n\nEvery zanzibar queue has a DLQ.\n",
    )
    .unwrap();
    let kb = dir.path().to_str().unwrap();
    let v = json(&run(&["--knowledge", kb, "search", "zanzibar", "--json"]));
    assert_eq!(
        v["results"][0]["uri"].as_str().unwrap().split('#').next(),
        Some("guide://our-queue-standard")
    );
    let only = json(&run(&["--knowledge", kb, "--no-builtin", "list", "--json"]));
    assert_eq!(only["documents"].as_array().unwrap().len(), 1);

    std::fs::write(guides.join("broken.md"), "---\nid: Broken Id\n---\n").unwrap();
    let out = run(&["--knowledge", kb, "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.md") && err.contains("front matter"),
        "{err}"
    );
}

#[test]
fn version_and_help() {
    let out = run(&["--version"]);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("serverless-guide ")
    );
    let help = String::from_utf8(run(&["--help"]).stdout).unwrap();
    for cmd in [
        "serve", "search", "read", "list", "review", "rules", "scaffold", "validate",
    ] {
        assert!(help.contains(cmd), "--help lacks {cmd}");
    }
}

#[test]
fn validate_builtin_knowledge_is_clean() {
    let out = run(&["validate"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.starts_with("ok: "), "{text}");
    let v = json(&run(&["validate", "--json"]));
    assert_eq!(v["ok"], true);
    assert!(v["documents"].as_u64().unwrap() >= 60, "{v}");
    assert!(v["rules"].as_u64().unwrap() >= 45, "{v}");
    assert!(v["eval_queries"].as_u64().unwrap() >= 60, "{v}");
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
}

#[test]
fn validate_reports_every_problem_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let guides = dir.path().join("guides/reliability");
    std::fs::create_dir_all(&guides).unwrap();
    // Broken front matter (unknown category) in one file...
    std::fs::write(
        guides.join("broken.md"),
        "---\nid: broken\ntitle: B\ncategory: nonsense\nservices: [lambda]\nsummary: s\nlast_reviewed: 2026-01-01\nsources: [https://docs.aws.amazon.com/lambda/]\n---\n# B\n",
    )
    .unwrap();
    // ...and several problems in another, which must all be reported, not just the first.
    std::fs::write(
        guides.join("team-doc.md"),
        "---\nid: team-doc\ntitle: Team doc\ncategory: reliability\nservices: [lambda]\nsummary: s\nrelated: [idempotency, no-such-doc]\nrules: [no-such-rule]\nscaffolds: [no-such-scaffold]\nlast_reviewed: 2026-01-01\nsources: [https://docs.aws.amazon.com/lambda/]\n---\n# Team doc\n\n## Code\n\nSee [retries](guide://idempotency#no-such-section).\n\n```python\ndef f(:\n    pass\n```\n\n```\nno tag\n```\n",
    )
    .unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let out = run(&["validate", dir_arg]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "broken.md:4:",
        "related id `no-such-doc` does not exist",
        "rule id `no-such-rule` does not exist",
        "scaffold id `no-such-scaffold` does not exist",
        "team-doc.md:17: link guide://idempotency#no-such-section",
        "team-doc.md:20: python block does not parse",
        "no language tag",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let out = run(&["validate", dir_arg, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let problems = v["problems"].as_array().unwrap();
    assert!(problems.len() >= 7, "{v}");
    assert!(
        problems
            .iter()
            .all(|p| p["path"].is_string() && p["line"].is_u64() && p["message"].is_string())
    );

    let out = run(&["validate", "/no/such/knowledge/dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a directory"));
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_serverless-guide"))
        .args(["list", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then hang up: the writer must not panic.
    let mut stdout = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    stdout.read_exact(&mut byte).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn export_skill_writes_the_skill_folder_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let out = run(&["export-skill", dir_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = dir.path().join("aws-serverless-eda");
    let skill_md = std::fs::read_to_string(root.join("SKILL.md")).unwrap();
    assert!(skill_md.starts_with("---\nname: aws-serverless-eda\n"));
    let index = std::fs::read_to_string(root.join("references/INDEX.md")).unwrap();
    assert!(index.contains("(reliability/idempotency.md)"), "{index}");
    assert!(root.join("references/reliability/idempotency.md").is_file());
    assert!(root.join("references/review-rules.md").is_file());
    let out = run(&["export-skill", dir_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = run(&["export-skill", dir_arg, "--force", "--json"]);
    let v = json(&out);
    assert!(v["files"].as_array().unwrap().len() >= 60, "{v}");
}

#[test]
fn validate_renders_every_scaffold_template() {
    let dir = tempfile::tempdir().unwrap();
    let lambda_dir = dir
        .path()
        .join("scaffolds/sqs-lambda-worker/typescript/lambda");
    std::fs::create_dir_all(&lambda_dir).unwrap();
    // A team override of one built-in template that fails only when rendered.
    std::fs::write(lambda_dir.join("worker.ts.j2"), "{{ undefined_fn(1) }}\n").unwrap();
    let out = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("scaffold `sqs-lambda-worker` (typescript) does not render")
            && text.contains("undefined_fn"),
        "{text}"
    );
}

#[test]
fn review_reads_bounded_input_and_skips_what_a_walk_cannot_review() {
    // A named input over the limit is an error naming it; /dev/zero never ends,
    // so only bounded reading gets there.
    let out = run(&["review", "--language", "python", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("limit of 1048576 bytes"), "{err}");

    // In a directory, files that cannot be reviewed are skipped with a warning and
    // the others are still reviewed.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("huge.ts"), "x;\n".repeat(400_000)).unwrap();
    std::fs::write(
        dir.path().join("deep.ts"),
        format!("a{};", "()".repeat(5_000)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("handler.py"),
        "import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n",
    )
    .unwrap();
    let out = run(&[
        "review",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let report = json(&out);
    let files: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("handler.py"), "{files:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("huge.ts is over review's limit"), "{err}");
    assert!(err.contains("deep.ts: the code nests"), "{err}");
}

#[test]
fn an_oversized_knowledge_file_is_an_error_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("guides")).unwrap();
    std::fs::write(
        dir.path().join("guides/huge.md"),
        "a".repeat(9 * 1024 * 1024),
    )
    .unwrap();
    let out = run(&["--knowledge", dir.path().to_str().unwrap(), "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("huge.md") && err.contains("(8 MiB) for a knowledge file"),
        "{err}"
    );
}
