//! Review engine: clean corpus, suppressions, custom rules, SARIF schema, errors.

use std::path::Path;

use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::review::{Language, RuleSet, Severity, review, sarif};

fn rules() -> RuleSet {
    RuleSet::load(&KnowledgeSources::builtin()).expect("built-in rules load")
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn clean_corpus_has_no_errors_or_warnings() {
    let rules = rules();
    let dir = fixtures().join("clean");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("clean dir")
        .map(|e| e.expect("e").path())
        .collect();
    entries.sort();
    assert!(
        entries.len() >= 5,
        "the clean corpus needs CDK TS/Python, handlers TS/Python and a template"
    );
    let mut problems = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let code = std::fs::read_to_string(&path).expect("text");
        let r = review(&rules, &code, None, Some(&name)).expect("reviews");
        for f in r
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
        {
            problems.push(format!(
                "{name}:{}:{} [{}] {}",
                f.line, f.column, f.rule_id, f.message
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "clean files produced findings:\n{}",
        problems.join("\n")
    );
}

#[test]
fn inline_suppression_is_honoured_and_reported() {
    let rules = rules();
    let code = "import boto3\n\ndef handler(event, context):\n    # serverless-guide-ignore: sdk-client-in-handler per-tenant credentials\n    s3 = boto3.client('s3')\n    return s3\n";
    let r = review(&rules, code, Some(Language::Python), None).expect("reviews");
    assert!(
        r.findings
            .iter()
            .all(|f| f.rule_id != "sdk-client-in-handler")
    );
    assert_eq!(r.summary.suppressed, 1);
    assert_eq!(r.suppressed[0].finding.rule_id, "sdk-client-in-handler");
    assert_eq!(r.suppressed[0].reason, "per-tenant credentials");
    // Without the comment the same code is flagged.
    let plain = code.replace(
        "    # serverless-guide-ignore: sdk-client-in-handler per-tenant credentials\n",
        "",
    );
    let r = review(&rules, &plain, Some(Language::Python), None).expect("reviews");
    assert_eq!(
        r.findings
            .iter()
            .filter(|f| f.rule_id == "sdk-client-in-handler")
            .count(),
        1
    );
}

#[test]
fn findings_point_at_the_right_template_line() {
    let rules = rules();
    let code = std::fs::read_to_string(fixtures().join("rules/sqs-queue-without-dlq/bad.yaml"))
        .expect("fixture");
    let r = review(&rules, &code, None, Some("t.yaml")).expect("reviews");
    let f = r
        .findings
        .iter()
        .find(|f| f.rule_id == "sqs-queue-without-dlq")
        .expect("finding");
    let line = code.lines().nth(f.line - 1).expect("line exists");
    assert_eq!(line.trim_end(), "  Orders:");
    assert_eq!(f.column, 3);
}

#[test]
fn custom_rules_load_beside_builtins_and_override_by_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules_dir = dir.path().join("rules");
    std::fs::create_dir_all(&rules_dir).expect("mkdir");
    std::fs::write(
        rules_dir.join("no-eval.yml"),
        "id: no-eval\ntitle: eval in a handler\nseverity: error\nmessage: eval is dangerous\nrationale: R\nfix: F\nguidance_uri: guide://security-checklist\nmatchers:\n  - language: TypeScript\n    rule: {pattern: eval($$$A)}\n",
    )
    .expect("write");
    std::fs::write(
        rules_dir.join("print.yml"),
        "id: unstructured-logging\ntitle: T\nseverity: error\nmessage: team rule\nrationale: R\nfix: F\nguidance_uri: guide://structured-logging\nmatchers:\n  - language: Python\n    rule: {pattern: print($$$A)}\n",
    )
    .expect("write");
    let sources = KnowledgeSources::builtin().with_dir(dir.path());
    let rules = RuleSet::load(&sources).expect("loads");
    assert!(rules.get("no-eval").is_some());
    assert!(rules.get("sqs-queue-without-dlq").is_some());
    assert_eq!(
        rules.get("unstructured-logging").map(|r| r.severity),
        Some(Severity::Error)
    );
    let r = review(
        &rules,
        "export const handler = async (e: string) => eval(e);\n",
        Some(Language::TypeScript),
        None,
    )
    .expect("reviews");
    assert_eq!(
        r.findings.iter().filter(|f| f.rule_id == "no-eval").count(),
        1
    );
    let r = review(&rules, "print('x')\n", Some(Language::Python), None).expect("reviews");
    assert_eq!(
        r.findings
            .iter()
            .filter(|f| f.rule_id == "unstructured-logging")
            .map(|f| f.severity)
            .collect::<Vec<_>>(),
        vec![Severity::Error]
    );
}

#[test]
fn a_bad_custom_rule_is_an_error_naming_its_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("rules")).expect("mkdir");
    std::fs::write(
        dir.path().join("rules/go.yml"),
        "id: go-rule\ntitle: T\nseverity: error\nmessage: M\nrationale: R\nfix: F\nguidance_uri: guide://x\nmatchers:\n  - language: Go\n    rule: {kind: call_expression}\n",
    )
    .expect("write");
    let err =
        RuleSet::load(&KnowledgeSources::empty().with_dir(dir.path())).expect_err("must fail");
    let msg = err.to_string();
    assert!(msg.contains("go.yml") && msg.contains("Go"), "{msg}");
}

#[test]
fn unresolvable_values_stay_silent() {
    let rules = rules();
    // Props from a variable or a spread: the rule cannot know them.
    let code = "import * as lambda from 'aws-cdk-lib/aws-lambda';\nnew lambda.Function(this, 'Fn', props);\nnew lambda.Function(this, 'Fn2', { ...common, handler: 'x' });\n";
    let r = review(&rules, code, Some(Language::TypeScript), None).expect("reviews");
    assert!(
        r.findings
            .iter()
            .all(|f| f.rule_id != "lambda-default-timeout"),
        "{:?}",
        r.findings
    );
    let tpl = "Parameters:\n  T: {Type: Number}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: !Ref T\n      RedrivePolicy: {deadLetterTargetArn: !GetAtt D.Arn, maxReceiveCount: 3}\n  D:\n    Type: AWS::SQS::Queue\n  M:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F, FunctionResponseTypes: [ReportBatchItemFailures]}\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {Timeout: 60}\n";
    let r = review(&rules, tpl, Some(Language::CloudFormation), None).expect("reviews");
    assert!(
        r.findings
            .iter()
            .all(|f| f.rule_id != "sqs-visibility-timeout-too-low")
    );
}

#[test]
fn sarif_output_matches_the_2_1_0_schema() {
    let rules = rules();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("sarif-2.1.0.schema.json")).expect("schema"),
    )
    .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let mut files = Vec::new();
    for (rule, file) in [
        ("sqs-queue-without-dlq", "bad.ts"),
        ("iam-wildcard-permissions", "bad.json"),
        ("sdk-client-in-handler", "bad.py"),
    ] {
        let path = fixtures().join("rules").join(rule).join(file);
        let code = std::fs::read_to_string(&path).expect("fixture");
        files.push((
            format!("{rule}/{file}"),
            review(&rules, &code, None, Some(file)).expect("reviews"),
        ));
    }
    let suppressed = "import boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3')  # serverless-guide-ignore: sdk-client-in-handler test\n";
    files.push((
        "s.py".into(),
        review(&rules, suppressed, None, Some("s.py")).expect("reviews"),
    ));
    let log = sarif::to_sarif(&rules, &files);
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.len() >= 4);
    assert!(
        results
            .iter()
            .any(|r| r["suppressions"][0]["kind"] == "inSource")
    );
    // A log with a wrong level must fail the same schema (the check is not vacuous).
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn template_parse_errors_are_input_errors() {
    let rules = rules();
    let err = review(
        &rules,
        "Resources:\n  Q: {Type: [\n",
        Some(Language::CloudFormation),
        None,
    )
    .expect_err("bad yaml");
    assert!(err.to_string().contains("line"), "{err}");
    let err = review(&rules, "   ", None, None).expect_err("no language");
    assert!(err.to_string().contains("language"), "{err}");
}

#[test]
fn code_nested_past_the_syntax_depth_limit_is_an_error_naming_it() {
    // 300,000 chained calls took minutes to match (found by the hostile-input sweep).
    let rules = rules();
    for (lang, code) in [
        (Language::TypeScript, format!("a{};", "()".repeat(300_000))),
        (Language::Python, format!("a{}", "()".repeat(300_000))),
    ] {
        let err = review(&rules, &code, Some(lang), None).expect_err("too deep");
        let msg = err.to_string();
        assert!(
            msg.contains("levels deep") && msg.contains("limit of 1000 levels"),
            "{msg}"
        );
    }
    // Real code, even bundled, nests under a hundred levels.
    let ok = format!("a{};", "()".repeat(400));
    assert!(review(&rules, &ok, Some(Language::TypeScript), None).is_ok());
}

#[test]
fn a_review_past_its_time_budget_is_an_error_naming_it() {
    use serverless_guide::review::review_within;
    use std::time::Duration;
    let rules = rules();
    let handler = "import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n";
    let template = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n";
    for (code, lang) in [
        (handler, Language::Python),
        (template, Language::CloudFormation),
    ] {
        let err =
            review_within(&rules, code, Some(lang), None, Duration::ZERO).expect_err("over budget");
        assert!(
            err.to_string().contains("time budget of 0 ms per request"),
            "{err}"
        );
        let ok = review_within(&rules, code, Some(lang), None, Duration::from_secs(60))
            .expect("within budget");
        assert!(!ok.findings.is_empty(), "{lang:?}: {ok:?}");
    }
}
