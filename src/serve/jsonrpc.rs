//! Checks one decoded JSON-RPC message before rmcp sees it, for stdio and HTTP
//! alike. rmcp decodes a message it cannot type as a "custom" request: params of
//! the wrong shape for `tools/call` come back as "method not found: tools/call",
//! and over HTTP a body of the wrong shape gets 415. Here the client learns what
//! is wrong instead: -32600 for the message, -32602 for its params.

// Logging is deprecated from 2026-07-28 on, but clients of earlier versions use it.
#[allow(deprecated)]
use rmcp::model::SetLevelRequestParams;
use rmcp::model::{
    CallToolRequestParams, CompleteRequestParams, GetPromptRequestParams, InitializeRequestParams,
    PaginatedRequestParams, ReadResourceRequestParams, SubscribeRequestParams,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// JSON-RPC "Invalid Request".
pub const INVALID_REQUEST: i32 = -32600;
/// JSON-RPC "Invalid params".
pub const INVALID_PARAMS: i32 = -32602;

/// What is wrong with a message: the JSON-RPC error code, the message, and the
/// id to answer with (null when the message has no usable id).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub code: i32,
    pub message: String,
    pub id: Value,
}

/// `None` when `value` is one well-formed JSON-RPC 2.0 message whose params fit
/// its method (for the methods this server knows).
pub fn message_problem(value: &Value) -> Option<Problem> {
    let invalid = |why: &str, id: Value| {
        Some(Problem {
            code: INVALID_REQUEST,
            message: format!("Invalid Request: {why}"),
            id,
        })
    };
    let msg = match value {
        Value::Object(m) => m,
        Value::Array(_) => {
            return invalid(
                "batches are not supported (MCP removed them in 2025-06-18); send one JSON-RPC message per request",
                Value::Null,
            );
        }
        _ => {
            return invalid("a message must be one JSON-RPC 2.0 object", Value::Null);
        }
    };
    let method = msg.get("method");
    // Only an error response may carry a null id.
    let id = msg.get("id");
    let id_ok = |id: &Value| id.is_string() || id.is_number() || (id.is_null() && method.is_none());
    if id.is_some_and(|id| !id_ok(id)) {
        return invalid("`id` must be a string or a number", Value::Null);
    }
    let answer_id = id.cloned().unwrap_or(Value::Null);
    if msg.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid("`jsonrpc` must be \"2.0\"", answer_id);
    }
    let method = match method {
        Some(Value::String(m)) if !m.is_empty() => m,
        Some(_) => {
            return invalid("`method` must name a method (e.g. tools/list)", answer_id);
        }
        None if msg.contains_key("result") || msg.contains_key("error") => return None,
        None => {
            return invalid(
                "a message needs a `method` (or is a response with `result` or `error`)",
                answer_id,
            );
        }
    };
    // A notification gets no answer, so only requests are checked further.
    id?;
    params_problem(method, msg.get("params")).map(|why| Problem {
        code: INVALID_PARAMS,
        message: format!("Invalid params for `{method}`: {why}"),
        id: answer_id,
    })
}

/// Why `params` do not fit `method`; `None` for methods not listed here.
#[allow(deprecated)]
fn params_problem(method: &str, params: Option<&Value>) -> Option<String> {
    fn check<T: DeserializeOwned>(params: Option<&Value>, required: bool) -> Option<String> {
        match params {
            None | Some(Value::Null) if required => Some("`params` is required".to_string()),
            None | Some(Value::Null) => None,
            Some(v) => T::deserialize(v).err().map(|e| e.to_string()),
        }
    }
    match method {
        "initialize" => check::<InitializeRequestParams>(params, true),
        "tools/call" => check::<CallToolRequestParams>(params, true),
        "resources/read" => check::<ReadResourceRequestParams>(params, true),
        "resources/subscribe" | "resources/unsubscribe" => {
            check::<SubscribeRequestParams>(params, true)
        }
        "prompts/get" => check::<GetPromptRequestParams>(params, true),
        "completion/complete" => check::<CompleteRequestParams>(params, true),
        "logging/setLevel" => check::<SetLevelRequestParams>(params, true),
        "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
            check::<PaginatedRequestParams>(params, false)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(v: Value) -> Option<(i32, String, Value)> {
        message_problem(&v).map(|p| (p.code, p.message, p.id))
    }

    #[test]
    fn well_formed_messages_pass() {
        for ok in [
            json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
            json!({"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"x","arguments":{"q":1}}}),
            json!({"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"debug"}}),
            json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
            json!({"jsonrpc":"2.0","id":3,"result":{}}),
            json!({"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"m"}}),
            json!({"jsonrpc":"2.0","id":4,"method":"some/extension","params":[1]}),
            json!({"jsonrpc":"2.0","id":5,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}),
        ] {
            assert_eq!(problem(ok.clone()), None, "{ok}");
        }
    }

    #[test]
    fn each_problem_is_named_with_the_right_code_and_id() {
        let cases = [
            (
                json!([{"jsonrpc":"2.0","id":1,"method":"ping"}]),
                -32600,
                "batches",
                Value::Null,
            ),
            (json!(null), -32600, "one JSON-RPC 2.0 object", Value::Null),
            (
                json!({"jsonrpc":"1.0","id":2,"method":"ping"}),
                -32600,
                "`jsonrpc`",
                json!(2),
            ),
            (
                json!({"jsonrpc":"2.0","id":null,"method":"ping"}),
                -32600,
                "`id`",
                Value::Null,
            ),
            (
                json!({"jsonrpc":"2.0","id":{"a":1},"method":"ping"}),
                -32600,
                "`id`",
                Value::Null,
            ),
            (
                json!({"jsonrpc":"2.0","id":3,"method":5}),
                -32600,
                "`method`",
                json!(3),
            ),
            (
                json!({"jsonrpc":"2.0","id":4,"method":""}),
                -32600,
                "`method`",
                json!(4),
            ),
            (
                json!({"jsonrpc":"2.0","id":5}),
                -32600,
                "`method`",
                json!(5),
            ),
            (
                json!({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"x","arguments":"q"}}),
                -32602,
                "Invalid params for `tools/call`",
                json!(6),
            ),
            (
                json!({"jsonrpc":"2.0","id":7,"method":"tools/call"}),
                -32602,
                "`params` is required",
                json!(7),
            ),
            (
                json!({"jsonrpc":"2.0","id":8,"method":"logging/setLevel","params":{"level":"loud"}}),
                -32602,
                "Invalid params for `logging/setLevel`",
                json!(8),
            ),
            (
                json!({"jsonrpc":"2.0","id":9,"method":"resources/read","params":{"uri":5}}),
                -32602,
                "Invalid params for `resources/read`",
                json!(9),
            ),
            (
                json!({"jsonrpc":"2.0","id":10,"method":"tools/list","params":{"cursor":[]}}),
                -32602,
                "Invalid params for `tools/list`",
                json!(10),
            ),
        ];
        for (msg, code, says, id) in cases {
            let Some((c, m, i)) = problem(msg.clone()) else {
                panic!("{msg}: accepted");
            };
            assert_eq!((c, &i), (code, &id), "{msg}: {m}");
            assert!(m.contains(says), "{msg}: {m}");
        }
        // A notification with bad params gets no answer, so it is not a problem here.
        assert_eq!(
            problem(json!({"jsonrpc":"2.0","method":"tools/call","params":5})),
            None
        );
    }
}
