//! Review of an arbitrary CloudFormation template in JSON with every built-in rule.
#![no_main]

mod review_common;

use libfuzzer_sys::fuzz_target;
use serverless_guide::review::Language;

fuzz_target!(|data: &[u8]| review_common::review_as(
    data,
    Language::CloudFormation,
    Some("template.json")
));
