//! `index build` and `--index`: a persistent search index answers exactly as the
//! RAM one does, a stale one is never served, a broken one is a clear error, and
//! `--out` is only overwritten when it is safe.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::search::SearchOptions;
use serverless_guide::search::persist::{MANIFEST_FILE, Manifest};
use serverless_guide::snapshot::Snapshot;

const QUERIES: &[&str] = &[
    "dead letter queue retries",
    "idempotency key",
    "cold start latency",
    "zanzibar",
    "how do I batch records?",
];

const TOPICS: &[(&str, &str)] = &[
    (
        "retries",
        "dead letter queue retries with exponential backoff",
    ),
    (
        "idempotency",
        "idempotency key stored in a table before processing",
    ),
    ("latency", "cold start latency and provisioned concurrency"),
    (
        "batching",
        "batch records from a stream with partial failures",
    ),
    ("zanzibar", "the zanzibar convention for naming every queue"),
];

fn guide(n: usize) -> String {
    let (topic, text) = TOPICS[n % TOPICS.len()];
    format!(
        "---\nid: team-{n}\ntitle: Team {topic} note {n}\ncategory: reliability\nservices: [sqs, lambda]\n\
         summary: What team {n} does about {topic}.\ntags: [{topic}]\nlast_reviewed: 2026-01-01\n---\n\
         # Team {topic} note {n}\n\nIntroduction about {text}.\n\n## Why\n\nBecause {text} matters (note {n}).\n\n\
         ## How\n\nConfigure {text}; see also note {}.\n\n```python\ndef handler(event, context):\n    return {n}\n```\n",
        n + 1
    )
}

/// A knowledge directory with `count` guides.
fn knowledge(root: &Path, count: usize) -> PathBuf {
    let kb = root.join("kb");
    let guides = kb.join("guides/team");
    std::fs::create_dir_all(&guides).unwrap();
    for n in 0..count {
        std::fs::write(guides.join(format!("team-{n}.md")), guide(n)).unwrap();
    }
    kb
}

fn run(kb: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_serverless-guide"))
        .arg("--no-builtin")
        .arg("--knowledge")
        .arg(kb)
        .args(args)
        .output()
        .expect("run binary")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn build(kb: &Path, out: &Path) -> Output {
    run(kb, &["index", "build", "--out", out.to_str().unwrap()])
}

fn search(kb: &Path, query: &str, index: Option<&Path>) -> Output {
    let mut args = vec!["search", query, "--json", "--limit", "10"];
    if let Some(dir) = index {
        args.extend(["--index", dir.to_str().unwrap()]);
    }
    run(kb, &args)
}

#[test]
fn built_index_answers_exactly_like_the_ram_index() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = knowledge(tmp.path(), 40);
    let idx = tmp.path().join("out/idx");
    let text = ok(&build(&kb, &idx));
    assert!(text.contains("40 documents"), "{text}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(idx.join(MANIFEST_FILE)).unwrap()).unwrap();
    assert_eq!(manifest["documents"], 40, "{manifest}");
    assert_eq!(manifest["sections"], 120, "{manifest}");
    assert!(
        manifest["fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    // Nothing left behind beside it.
    let beside: Vec<_> = std::fs::read_dir(idx.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, vec![std::ffi::OsString::from("idx")]);

    // The CLI: same JSON, scores and snippets included, and no warning.
    for q in QUERIES {
        let ram = ok(&search(&kb, q, None));
        let out = search(&kb, q, Some(&idx));
        let disk = ok(&out);
        assert_eq!(ram, disk, "query {q:?}");
        assert!(!stderr(&out).contains("WARN"), "{}", stderr(&out));
        let hits: Value = serde_json::from_str(&disk).unwrap();
        assert!(!hits["results"].as_array().unwrap().is_empty(), "{q}");
    }

    // The library: the snapshot really uses the directory, and filters work on it.
    let sources = KnowledgeSources::new(false, [kb.clone()]);
    let ram = Snapshot::load(sources.clone()).unwrap();
    let disk = Snapshot::load_with_index(sources, Some(&idx)).unwrap();
    assert_eq!(ram.index.dir(), None);
    assert_eq!(disk.index.dir(), Some(idx.as_path()));
    for q in QUERIES {
        for opts in [
            SearchOptions::default(),
            SearchOptions {
                service: Some("sqs".into()),
                limit: 20,
                ..SearchOptions::default()
            },
            SearchOptions {
                category: Some("security".into()),
                ..SearchOptions::default()
            },
        ] {
            assert_eq!(
                ram.index.search(q, &opts).unwrap(),
                disk.index.search(q, &opts).unwrap(),
                "{q} {opts:?}"
            );
        }
    }
}

#[test]
fn stale_index_is_never_served() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = knowledge(tmp.path(), 10);
    let idx = tmp.path().join("idx");
    ok(&build(&kb, &idx));

    // A new document after the build: the index does not know it.
    std::fs::write(
        kb.join("guides/team/late.md"),
        "---\nid: late-arrival\ntitle: Quokka handling\ncategory: reliability\nservices: [sqs]\n\
         summary: Added after the index was built.\nlast_reviewed: 2026-01-01\n---\n# Quokka handling\n\n\
         Every quokka message is retried.\n",
    )
    .unwrap();
    let out = search(&kb, "quokka", Some(&idx));
    let text = ok(&out);
    assert!(text.contains("guide://late-arrival"), "{text}");
    let err = stderr(&out);
    assert!(
        err.contains("WARN") && err.contains("building one in RAM") && err.contains("index build"),
        "{err}"
    );
    let sources = KnowledgeSources::new(false, [kb.clone()]);
    let snap = Snapshot::load_with_index(sources.clone(), Some(&idx)).unwrap();
    assert_eq!(snap.index.dir(), None, "fell back to RAM");

    // An edit that keeps the counts the same is caught by the fingerprint.
    std::fs::remove_file(kb.join("guides/team/late.md")).unwrap();
    ok(&build(&kb, &idx));
    let fresh = Snapshot::load_with_index(sources.clone(), Some(&idx)).unwrap();
    assert_eq!(fresh.index.dir(), Some(idx.as_path()));
    let path = kb.join("guides/team/team-3.md");
    let edited = std::fs::read_to_string(&path)
        .unwrap()
        .replace("Because", "Because wombat");
    std::fs::write(&path, edited).unwrap();
    let snap = Snapshot::load_with_index(sources.clone(), Some(&idx)).unwrap();
    assert_eq!(snap.index.dir(), None, "fell back to RAM");
    let hits = snap
        .index
        .search("wombat", &SearchOptions::default())
        .unwrap();
    assert_eq!(hits[0].uri, "guide://team-3#why");

    // Another version's manifest is stale too.
    ok(&build(&kb, &idx));
    let mut manifest = Manifest::read(&idx).unwrap();
    manifest.crate_version = "0.0.1-old".into();
    manifest.write(&idx).unwrap();
    let out = search(&kb, "wombat", Some(&idx));
    assert!(ok(&out).contains("guide://team-3"));
    assert!(stderr(&out).contains("0.0.1-old"), "{}", stderr(&out));

    // Built-in knowledge is part of the fingerprint: the same directory with the
    // built-ins is other knowledge.
    ok(&build(&kb, &idx));
    let out = Command::new(env!("CARGO_BIN_EXE_serverless-guide"))
        .arg("--knowledge")
        .arg(&kb)
        .args([
            "search",
            "dead letter queue",
            "--index",
            idx.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(ok(&out).contains("guide://"));
    assert!(
        stderr(&out).contains("building one in RAM"),
        "{}",
        stderr(&out)
    );
}

fn assert_exit_2(out: &Output, dir: &Path, words: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&dir.display().to_string()), "{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn missing_or_corrupt_index_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = knowledge(tmp.path(), 5);

    let missing = tmp.path().join("nope");
    assert_exit_2(
        &search(&kb, "retries", Some(&missing)),
        &missing,
        &["index build"],
    );

    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "hello").unwrap();
    assert_exit_2(
        &search(&kb, "retries", Some(&foreign)),
        &foreign,
        &[MANIFEST_FILE, "index build"],
    );

    // Garbage manifest.
    let idx = tmp.path().join("idx");
    ok(&build(&kb, &idx));
    std::fs::write(idx.join(MANIFEST_FILE), "{not json").unwrap();
    assert_exit_2(
        &search(&kb, "retries", Some(&idx)),
        &idx,
        &["corrupt", "index build", "--force"],
    );

    // tantivy's own files damaged: meta.json gone, then every segment file truncated.
    ok(&build(&kb, &idx));
    std::fs::remove_file(idx.join("meta.json")).unwrap();
    assert_exit_2(
        &search(&kb, "retries", Some(&idx)),
        &idx,
        &["corrupt", "index build"],
    );
    ok(&build(&kb, &idx));
    for entry in std::fs::read_dir(&idx).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with('.') && name != "meta.json" && name != MANIFEST_FILE {
            std::fs::write(&path, b"xx").unwrap();
        }
    }
    assert_exit_2(&search(&kb, "retries", Some(&idx)), &idx, &["index build"]);

    // `serve --index` fails the same way, before serving anything.
    let out = run(&kb, &["serve", "--index", missing.to_str().unwrap()]);
    assert_exit_2(&out, &missing, &["index build"]);
    assert!(out.stdout.is_empty());
}

#[test]
fn out_is_only_overwritten_when_safe() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = knowledge(tmp.path(), 5);

    // A non-empty directory that is not ours: refused, untouched.
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("precious.txt"), "keep me").unwrap();
    let out = build(&kb, &foreign);
    assert_exit_2(&out, &foreign, &["--force", "not empty"]);
    assert!(foreign.join("precious.txt").exists());
    assert!(!foreign.join(MANIFEST_FILE).exists());
    // With --force it is replaced.
    let f = foreign.to_str().unwrap();
    ok(&run(&kb, &["index", "build", "--out", f, "--force"]));
    assert!(!foreign.join("precious.txt").exists());
    assert!(foreign.join(MANIFEST_FILE).exists());

    // An index of ours is rebuilt in place without --force; an empty directory is fine.
    ok(&build(&kb, &foreign));
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    ok(&build(&kb, &empty));
    assert!(empty.join(MANIFEST_FILE).exists());
    let siblings = std::fs::read_dir(tmp.path()).unwrap().count();
    assert_eq!(siblings, 3, "kb, foreign, empty and nothing left over");

    // A file is never replaced; nor, even with --force, a directory holding the knowledge.
    let file = tmp.path().join("file.txt");
    std::fs::write(&file, "x").unwrap();
    let out = run(
        &kb,
        &["index", "build", "--out", file.to_str().unwrap(), "--force"],
    );
    assert_exit_2(&out, &file, &["not a directory"]);
    let out = run(
        &kb,
        &[
            "index",
            "build",
            "--out",
            tmp.path().to_str().unwrap(),
            "--force",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("would be deleted"),
        "{}",
        stderr(&out)
    );
    assert!(kb.join("guides/team/team-0.md").exists());
}

#[test]
fn serve_with_index_answers_searches() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = knowledge(tmp.path(), 10);
    let idx = tmp.path().join("idx");
    ok(&build(&kb, &idx));
    let mut child = Command::new(env!("CARGO_BIN_EXE_serverless-guide"))
        .arg("--no-builtin")
        .arg("--knowledge")
        .arg(&kb)
        .args(["serve", "--index", idx.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for msg in [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{
            "name":"search_guidance","arguments":{"query":"zanzibar naming"}}}),
    ] {
        writeln!(stdin, "{msg}").unwrap();
    }
    stdin.flush().unwrap();
    let mut answer = Value::Null;
    for line in lines.by_ref() {
        let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if v["id"] == 2 {
            answer = v;
            break;
        }
    }
    drop(stdin);
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(
        answer.to_string().contains("guide://team-4"),
        "{answer}\n{}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("search index opened"), "{err}");
    assert!(!err.contains("WARN"), "{err}");
}
