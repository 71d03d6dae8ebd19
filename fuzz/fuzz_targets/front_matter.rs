//! The markdown + front-matter loader: any bytes must parse or be a clean error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = serverless_guide::knowledge::parse_document("fuzz.md", &text, false);
});
