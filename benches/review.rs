//! Review throughput: a 2,000-line TypeScript CDK file and a 1,000-line Python
//! handler against every code rule, and a 50 KB CloudFormation template against
//! every template rule. Targets: <= 30 ms for the CDK file, <= 10 ms for the template.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use serverless_guide::knowledge::KnowledgeSources;
use serverless_guide::review::{Language, RuleSet, review};

/// Concatenates the rule fixtures `bad.<ext>` and `good.<ext>` until `lines` lines.
fn fixture_file(ext: &str, lines: usize) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut parts = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures")
        .map(|e| e.expect("e").path())
        .collect();
    dirs.sort();
    for d in dirs {
        for name in [format!("bad.{ext}"), format!("good.{ext}")] {
            if let Ok(s) = std::fs::read_to_string(d.join(name)) {
                parts.push(s);
            }
        }
    }
    let mut out = String::new();
    let mut i = 0;
    while out.lines().count() < lines {
        out.push_str(&parts[i % parts.len()]);
        out.push('\n');
        i += 1;
    }
    out.lines().take(lines).collect::<Vec<_>>().join("\n")
}

/// A template of about 50 KB: repeated function + queue + mapping + table + role blocks.
fn template() -> String {
    let mut t = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    let mut i = 0;
    while t.len() < 50_000 {
        t.push_str(&format!(
            "  Dlq{i}:\n    Type: AWS::SQS::Queue\n  Queue{i}:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 30\n      RedrivePolicy: {{deadLetterTargetArn: !GetAtt Dlq{i}.Arn, maxReceiveCount: 3}}\n  Role{i}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {{Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}]}}\n  Policy{i}:\n    Type: AWS::IAM::Policy\n    Properties:\n      Roles: [!Ref Role{i}]\n      PolicyDocument:\n        Statement:\n          - {{Effect: Allow, Action: ['sqs:*'], Resource: '*'}}\n  Fn{i}:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: nodejs18.x\n      Handler: index.handler\n      Role: !GetAtt Role{i}.Arn\n      Timeout: 30\n      Environment: {{Variables: {{API_KEY: abcdef123456}}}}\n  Map{i}:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties: {{EventSourceArn: !GetAtt Queue{i}.Arn, FunctionName: !Ref Fn{i}}}\n  Table{i}:\n    Type: AWS::DynamoDB::Table\n    DeletionPolicy: Delete\n    Properties:\n      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]\n      ProvisionedThroughput: {{ReadCapacityUnits: 5, WriteCapacityUnits: 5}}\n"
        ));
        i += 1;
    }
    t
}

fn bench(c: &mut Criterion) {
    let rules = RuleSet::load(&KnowledgeSources::builtin()).expect("rules");
    let ts = fixture_file("ts", 2000);
    let py = fixture_file("py", 1000);
    let tpl = template();
    c.bench_function("review 2000-line TypeScript CDK file", |b| {
        b.iter(|| review(&rules, &ts, Some(Language::TypeScript), None).expect("review"))
    });
    c.bench_function("review 1000-line Python handler", |b| {
        b.iter(|| review(&rules, &py, Some(Language::Python), None).expect("review"))
    });
    c.bench_function("review 50 KB CloudFormation template", |b| {
        b.iter(|| review(&rules, &tpl, Some(Language::CloudFormation), None).expect("review"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
