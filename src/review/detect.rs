//! Which language a piece of code is in: from the file name, else from the content.

/// A language the reviewer understands. Only these ever reach a parser, so a
/// grammar that is compiled out of ast-grep can never be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    TypeScript,
    Tsx,
    JavaScript,
    Python,
    /// CloudFormation, SAM or `cdk synth` output, YAML or JSON.
    CloudFormation,
}

impl Language {
    /// The name used in results (`tsx` is reported as `typescript`).
    pub fn report_name(self) -> &'static str {
        match self {
            Language::TypeScript | Language::Tsx => "typescript",
            Language::JavaScript => "javascript",
            Language::Python => "python",
            Language::CloudFormation => "cloudformation",
        }
    }

    /// Parses a user-given language name.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "typescript" | "ts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            "javascript" | "js" => Some(Language::JavaScript),
            "python" | "py" => Some(Language::Python),
            "cloudformation" | "cfn" | "sam" | "yaml" | "json" | "template" => {
                Some(Language::CloudFormation)
            }
            _ => None,
        }
    }

    /// Names accepted by [`Language::parse`], for error messages.
    pub const NAMES: &'static str = "typescript, javascript, python, cloudformation";
}

/// The language of `filename` by extension, or of `code` by its content.
/// Returns `None` when neither tells (e.g. a JSON file that is not a template).
pub fn detect_language(filename: Option<&str>, code: &str) -> Option<Language> {
    if let Some(name) = filename {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "ts" | "mts" | "cts" => return Some(Language::TypeScript),
            "tsx" => return Some(Language::Tsx),
            "js" | "mjs" | "cjs" | "jsx" => return Some(Language::JavaScript),
            "py" | "pyi" => return Some(Language::Python),
            "yaml" | "yml" | "json" | "template" => {
                return looks_like_template(code).then_some(Language::CloudFormation);
            }
            _ => {}
        }
    }
    from_content(code)
}

/// A CloudFormation/SAM template has a top-level `Resources` (or the format version/transform).
pub fn looks_like_template(code: &str) -> bool {
    let trimmed = code.trim_start();
    if trimmed.starts_with('{') {
        return code.contains("\"Resources\"") || code.contains("\"AWSTemplateFormatVersion\"");
    }
    code.lines().any(|l| {
        l.starts_with("Resources:")
            || l.starts_with("AWSTemplateFormatVersion")
            || l.starts_with("Transform:")
    })
}

fn from_content(code: &str) -> Option<Language> {
    if code.trim().is_empty() {
        return None;
    }
    if looks_like_template(code) {
        return Some(Language::CloudFormation);
    }
    let mut py = 0i32;
    let mut ts = 0i32;
    let mut typed = 0i32;
    for line in code.lines() {
        let l = line.trim_start();
        if l.starts_with("def ")
            || l.starts_with("async def ")
            || l.starts_with("class ") && l.trim_end().ends_with(':')
        {
            py += 3;
        }
        if (l.starts_with("import ") || l.starts_with("from "))
            && !l.contains(" from '")
            && !l.contains(" from \"")
            && !l.ends_with(';')
        {
            py += 1;
        }
        if l.starts_with("elif ")
            || l.starts_with("self.")
            || l.contains("self,")
            || l.starts_with('@') && !l.contains('(')
        {
            py += 1;
        }
        if l.ends_with(';')
            || l.ends_with('{')
            || l.starts_with("const ")
            || l.starts_with("let ")
            || l.starts_with("export ")
            || l.contains("=>")
            || l.contains("require(")
        {
            ts += 1;
        }
        if l.contains(" from '") || l.contains(" from \"") {
            ts += 2;
        }
        if l.starts_with("interface ")
            || l.starts_with("type ")
            || l.contains(": string")
            || l.contains(": number")
            || l.contains("): Promise<")
            || l.contains("import type ")
            || l.contains(" as const")
            || l.contains("private ")
            || l.contains("readonly ")
        {
            typed += 1;
        }
    }
    if py == 0 && ts == 0 && typed == 0 {
        return None;
    }
    if py > ts + typed {
        Some(Language::Python)
    } else if typed > 0
        || code.contains("aws-cdk-lib") && code.contains("new ") && code.contains(": ")
    {
        Some(Language::TypeScript)
    } else {
        Some(Language::JavaScript)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_extension() {
        assert_eq!(
            detect_language(Some("a/b.ts"), ""),
            Some(Language::TypeScript)
        );
        assert_eq!(
            detect_language(Some("x.mjs"), ""),
            Some(Language::JavaScript)
        );
        assert_eq!(detect_language(Some("h.py"), ""), Some(Language::Python));
        assert_eq!(detect_language(Some("package.json"), "{\"name\": 1}"), None);
        assert_eq!(
            detect_language(Some("t.json"), "{\"Resources\": {}}"),
            Some(Language::CloudFormation)
        );
    }

    #[test]
    fn by_content() {
        assert_eq!(
            detect_language(
                None,
                "import json\n\ndef handler(event, context):\n    return 1\n"
            ),
            Some(Language::Python)
        );
        assert_eq!(
            detect_language(
                None,
                "export const handler = async (event: any): Promise<void> => {};\n"
            ),
            Some(Language::TypeScript)
        );
        assert_eq!(
            detect_language(
                None,
                "exports.handler = async (event) => {\n  return 1;\n};\n"
            ),
            Some(Language::JavaScript)
        );
        assert_eq!(
            detect_language(None, "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"),
            Some(Language::CloudFormation)
        );
    }
}
