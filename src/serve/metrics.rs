//! Prometheus text metrics: requests and latency by MCP method and tool,
//! errors by status class, open sessions. Hand-rolled: a few counters do not
//! justify a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    endpoint: &'static str,
    method: String,
    tool: String,
    status: u16,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<Key, u64>,
    latency: BTreeMap<(String, String), Histogram>,
}

/// Shared metric registry of one HTTP server.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    sessions: Mutex<(usize, usize)>,
}

impl Metrics {
    /// Records one finished request. `method`/`tool` are empty for non-MCP requests.
    pub fn record(
        &self,
        endpoint: &'static str,
        method: &str,
        tool: &str,
        status: u16,
        elapsed: Option<Duration>,
    ) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let key = Key {
            endpoint,
            method: method.to_string(),
            tool: tool.to_string(),
            status,
        };
        *inner.requests.entry(key).or_default() += 1;
        if let Some(elapsed) = elapsed.filter(|_| !method.is_empty()) {
            let secs = elapsed.as_secs_f64();
            let h = inner
                .latency
                .entry((method.to_string(), tool.to_string()))
                .or_default();
            for (count, b) in h.counts.iter_mut().zip(BUCKETS.iter()) {
                if secs <= *b {
                    *count += 1;
                }
            }
            h.sum += secs;
            h.count += 1;
        }
    }

    /// Updates the session gauges (streamable HTTP, legacy SSE).
    pub fn set_sessions(&self, streamable: usize, sse: usize) {
        if let Ok(mut s) = self.sessions.lock() {
            *s = (streamable, sse);
        }
    }

    /// Renders every metric in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let (requests, latency) = match self.inner.lock() {
            Ok(i) => (i.requests.clone(), i.latency.clone()),
            Err(_) => return out,
        };
        let _ = writeln!(
            out,
            "# HELP serverless_guide_requests_total HTTP requests by endpoint, MCP method, tool and status."
        );
        let _ = writeln!(out, "# TYPE serverless_guide_requests_total counter");
        let mut errors: BTreeMap<&'static str, u64> = BTreeMap::new();
        for (k, v) in &requests {
            let _ = writeln!(
                out,
                "serverless_guide_requests_total{{endpoint=\"{}\",method=\"{}\",tool=\"{}\",status=\"{}\"}} {v}",
                k.endpoint,
                escape(&k.method),
                escape(&k.tool),
                k.status
            );
            let class = match k.status {
                400..=499 => "client",
                500..=599 => "server",
                _ => continue,
            };
            *errors.entry(class).or_default() += v;
        }
        let _ = writeln!(
            out,
            "# HELP serverless_guide_errors_total HTTP error responses by class."
        );
        let _ = writeln!(out, "# TYPE serverless_guide_errors_total counter");
        for class in ["client", "server"] {
            let _ = writeln!(
                out,
                "serverless_guide_errors_total{{class=\"{class}\"}} {}",
                errors.get(class).copied().unwrap_or(0)
            );
        }
        let _ = writeln!(
            out,
            "# HELP serverless_guide_request_duration_seconds Time to answer an MCP request, by method and tool."
        );
        let _ = writeln!(
            out,
            "# TYPE serverless_guide_request_duration_seconds histogram"
        );
        for ((method, tool), h) in &latency {
            let labels = format!("method=\"{}\",tool=\"{}\"", escape(method), escape(tool));
            for (count, b) in h.counts.iter().zip(BUCKETS.iter()) {
                let _ = writeln!(
                    out,
                    "serverless_guide_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {count}",
                );
            }
            let _ = writeln!(
                out,
                "serverless_guide_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "serverless_guide_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "serverless_guide_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        let (streamable, sse) = self.sessions.lock().map(|s| *s).unwrap_or_default();
        let _ = writeln!(
            out,
            "# HELP serverless_guide_sessions Open MCP sessions by transport."
        );
        let _ = writeln!(out, "# TYPE serverless_guide_sessions gauge");
        let _ = writeln!(
            out,
            "serverless_guide_sessions{{transport=\"streamable-http\"}} {streamable}"
        );
        let _ = writeln!(out, "serverless_guide_sessions{{transport=\"sse\"}} {sse}");
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub(crate) async fn handler(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_gauges() {
        let m = Metrics::default();
        m.record(
            "/mcp",
            "tools/call",
            "search_guidance",
            200,
            Some(Duration::from_micros(700)),
        );
        m.record(
            "/mcp",
            "tools/call",
            "search_guidance",
            200,
            Some(Duration::from_millis(20)),
        );
        m.record("/mcp", "", "", 401, None);
        m.set_sessions(3, 1);
        let text = m.render();
        assert!(text.contains("serverless_guide_requests_total{endpoint=\"/mcp\",method=\"tools/call\",tool=\"search_guidance\",status=\"200\"} 2"), "{text}");
        assert!(text.contains("le=\"0.001\"} 1"), "{text}");
        assert!(text.contains("le=\"0.025\"} 2"), "{text}");
        assert!(
            text.contains("serverless_guide_errors_total{class=\"client\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("serverless_guide_sessions{transport=\"streamable-http\"} 3"),
            "{text}"
        );
    }
}
