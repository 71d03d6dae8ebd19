//! A panic in a request handler is a bug, but it must cost one request, not the
//! session or the client's patience: every handler body runs under `guarded`,
//! which answers a panic as an internal error (-32603) naming the request and
//! logs it, and the server goes on with the next request.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt as _;
use rmcp::ErrorData as McpError;

/// Runs `handler`; a panic in it becomes an internal error about `what`.
pub(crate) async fn guarded<T>(
    what: impl std::fmt::Display,
    handler: impl Future<Output = Result<T, McpError>>,
) -> Result<T, McpError> {
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic_message(panic.as_ref());
            tracing::error!(request = %what, panic = %message, "a request handler panicked; answered with an internal error");
            Err(McpError::internal_error(
                format!(
                    "internal error while handling {what}: {message}. This is a bug in \
                     serverless-guide (please report it); the server keeps running"
                ),
                None,
            ))
        }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_an_internal_error_naming_the_request() {
        let items: Vec<u32> = Vec::new();
        let index = items.len() + 3;
        #[allow(clippy::indexing_slicing)]
        let err = guarded("tools/call `search_guidance`", async move {
            Ok::<u32, McpError>(items[index])
        })
        .await
        .unwrap_err();
        assert_eq!(err.code, rmcp::model::ErrorCode::INTERNAL_ERROR);
        assert!(
            err.message
                .contains("internal error while handling tools/call `search_guidance`")
                && err.message.contains("index out of bounds"),
            "{}",
            err.message
        );
        // Ordinary results and errors pass through untouched.
        assert_eq!(
            guarded("x", async { Ok::<u32, McpError>(7) })
                .await
                .unwrap(),
            7
        );
        let passed = guarded("x", async {
            Err::<u32, McpError>(McpError::invalid_params("bad", None))
        })
        .await
        .unwrap_err();
        assert_eq!(passed.code, rmcp::model::ErrorCode::INVALID_PARAMS);
    }
}
