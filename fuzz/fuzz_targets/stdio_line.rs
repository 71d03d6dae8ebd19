//! The stdio JSON-RPC framing: any line is a message for the server or an error
//! line to print, and an error line is itself valid JSON-RPC.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    if let Err(reply) = serverless_guide::serve::stdio::parse_line(&line) {
        let value: serde_json::Value =
            serde_json::from_str(&reply).expect("error replies are JSON");
        assert!(value["error"]["code"].is_i64(), "{reply}");
    }
});
