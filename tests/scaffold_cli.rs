//! `serverless-guide scaffold` end to end through the binary.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_serverless-guide"))
}

#[test]
fn list_json_has_every_pattern() {
    let out = bin()
        .args(["scaffold", "--list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["scaffolds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.len() >= 10
            && ids.contains(&"sqs-lambda-worker")
            && ids.contains(&"stepfunctions-saga"),
        "{ids:?}"
    );
    for s in v["scaffolds"].as_array().unwrap() {
        for key in [
            "id",
            "title",
            "languages",
            "services",
            "summary",
            "guidance_uri",
        ] {
            assert!(!s[key].is_null(), "{key} missing in {s}");
        }
    }
}

#[test]
fn unknown_pattern_exits_2_and_lists_patterns() {
    let out = bin()
        .args(["scaffold", "no-such-thing", "--language", "typescript"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown pattern") && err.contains("sqs-lambda-worker"),
        "{err}"
    );
}

#[test]
fn generates_into_a_directory_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("app");
    let run = |extra: &[&str]| {
        let mut c = bin();
        c.args([
            "scaffold",
            "sqs-lambda-worker",
            "--language",
            "python",
            "--name",
            "orders-worker",
            "--out",
        ])
        .arg(&out_dir)
        .args(extra);
        c.output().unwrap()
    };
    let first = run(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(out_dir.join("orders_worker/stack.py").is_file());
    assert!(out_dir.join("cdk.json").is_file());
    let second = run(&[]);
    assert_eq!(second.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&second.stderr).contains("--force"));
    let forced = run(&["--force"]);
    assert!(forced.status.success());
}

#[test]
fn bad_name_and_language_exit_2() {
    let out = bin()
        .args([
            "scaffold",
            "scheduled-job",
            "--language",
            "python",
            "--name",
            "Bad_Name",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid name"));
    let out = bin()
        .args(["scaffold", "scheduled-job", "--language", "go", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_output_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args([
            "scaffold",
            "scheduled-job",
            "--language",
            "typescript",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["pattern"], "scheduled-job");
    assert_eq!(v["language"], "typescript");
    assert!(v["files"].as_array().unwrap().len() > 5);
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}
