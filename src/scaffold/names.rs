//! Project names: one user-supplied kebab-case name turned into the
//! identifiers each language needs.

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::ScaffoldError;

/// Names derived from a valid project name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// As given: `orders-api`.
    pub kebab: String,
    /// `OrdersApi` (TypeScript classes, the stack id).
    pub pascal: String,
    /// `orders_api` (the Python package).
    pub snake: String,
}

const MAX_LEN: usize = 41;

/// Python keywords and names that would shadow a package the app imports.
const RESERVED: &[&str] = &[
    "false",
    "none",
    "true",
    "and",
    "as",
    "assert",
    "async",
    "await",
    "break",
    "class",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "finally",
    "for",
    "from",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "return",
    "try",
    "while",
    "with",
    "yield",
    "match",
    "case",
    "type",
    "aws_cdk",
    "constructs",
    "cdk_nag",
    "tests",
    "test",
    "app",
    "cdk",
    "node_modules",
    "lib",
    "bin",
    "handlers",
    "typing",
    "os",
    "json",
];

/// Checks `name` against `^[a-z][a-z0-9-]{0,40}$` (no trailing or doubled hyphen,
/// no reserved word) and derives the identifiers.
pub fn validate_name(name: &str) -> Result<Names, ScaffoldError> {
    let invalid = |reason: &str| ScaffoldError::InvalidName {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    if name.is_empty() || name.len() > MAX_LEN {
        return Err(invalid(
            "use 1 to 41 characters: a lowercase letter, then lowercase letters, digits or hyphens (e.g. orders-api)",
        ));
    }
    let mut chars = name.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return Err(invalid(
            "must start with a lowercase letter (e.g. orders-api)",
        ));
    }
    if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(invalid(
            "only lowercase letters, digits and hyphens are allowed (e.g. orders-api)",
        ));
    }
    if name.ends_with('-') || name.contains("--") {
        return Err(invalid(
            "hyphens must separate words: no trailing or doubled hyphen",
        ));
    }
    let snake = name.to_snake_case();
    if RESERVED.contains(&snake.as_str()) {
        return Err(invalid(
            "this is a reserved word in Python or a package the app imports; pick another name",
        ));
    }
    Ok(Names {
        kebab: name.to_string(),
        pascal: name.to_upper_camel_case(),
        snake,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_identifiers() {
        let n = validate_name("orders-api2").unwrap();
        assert_eq!(n.pascal, "OrdersApi2");
        assert_eq!(n.snake, "orders_api2");
        assert_eq!(n.kebab, "orders-api2");
    }

    #[test]
    fn rejects_bad_names() {
        for bad in [
            "",
            "Orders",
            "1orders",
            "orders_api",
            "orders-",
            "a--b",
            "../x",
            "a/b",
            "class",
            "tests",
            "a b",
            "ödön",
            &"a".repeat(42),
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(validate_name(&"a".repeat(41)).is_ok());
    }
}
