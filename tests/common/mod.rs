//! A raw JSON-RPC client for `serve` over stdio, shared by the integration tests
//! that speak lines by hand (each test crate uses part of it).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// Generous: a debug build on a busy 2-core CI machine.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// `serverless-guide serve` as a child process; killed on drop.
pub struct StdioServer {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl StdioServer {
    /// Starts the server without initializing it.
    pub fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_serverless-guide"))
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdin = child.stdin.take().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        // A reader thread, so a missing answer is a timeout rather than a hung test.
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            loop {
                let mut line = String::new();
                match out.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Self {
            child,
            stdin,
            lines,
        }
    }

    /// Starts the server and completes the handshake at 2025-11-25.
    pub fn initialized() -> Self {
        let mut s = Self::start();
        let init = s.initialize("2025-11-25");
        assert!(init["result"].is_object(), "{init}");
        s
    }

    /// Sends `initialize` at `version` and then `notifications/initialized`;
    /// returns the answer to `initialize`.
    pub fn initialize(&mut self, version: &str) -> Value {
        self.send(json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
            "protocolVersion": version, "capabilities": {}, "clientInfo": {"name":"raw","version":"0"}}}));
        let r = self.recv("initialize");
        self.send(json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
        r
    }

    /// Sends `bytes` as one line.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn send_line(&mut self, line: &str) {
        self.send_bytes(line.as_bytes());
    }

    pub fn send(&mut self, v: Value) {
        self.send_bytes(v.to_string().as_bytes());
    }

    /// The next line on stdout, which must be a JSON-RPC message and come within
    /// [`ANSWER_WITHIN`]; `case` names what was sent, for the failure message.
    pub fn recv(&mut self, case: &str) -> Value {
        let line = self
            .lines
            .recv_timeout(ANSWER_WITHIN)
            .unwrap_or_else(|_| panic!("{case}: no answer within {ANSWER_WITHIN:?}"));
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{case}: stdout carried a non-JSON line {line:?}: {e}"))
    }

    /// The child's resident memory in KiB (0 if /proc cannot tell).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// Asserts that a ping sent now is answered.
    pub fn still_answers(&mut self, case: &str) {
        self.send(json!({"jsonrpc":"2.0","id":"after","method":"ping"}));
        let r = self.recv(case);
        assert_eq!(
            r["id"], "after",
            "{case}: server did not answer the next request: {r}"
        );
        assert!(r["result"].is_object(), "{case}: {r}");
    }
}

impl Drop for StdioServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
