//! Domain synonyms kept as data (`synonyms/*.yaml`): groups of terms that mean
//! the same thing (`[dlq, dead-letter queue]`). Search expands a query with the
//! other members of every group one of its terms belongs to.

use super::{KnowledgeError, KnowledgeSources};

/// Groups of equivalent terms, lowercased, words separated by single spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
}

/// Lowercases and turns every run of non-alphanumeric characters into one space,
/// so "Dead-letter queue" and "dead letter queue" compare equal.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

impl Synonyms {
    /// Reads every `synonyms/*.yaml` (a YAML list of lists of strings) from all layers.
    pub fn load(sources: &KnowledgeSources) -> Result<Self, KnowledgeError> {
        let mut groups = Vec::new();
        for file in sources.files("synonyms/", &[".yaml", ".yml"])? {
            let parsed: Vec<Vec<String>> =
                yaml_serde::from_str(file.text()?).map_err(|e| KnowledgeError::Invalid {
                    path: file.display.clone(),
                    line: e.location().map(|l| l.line() + 1).unwrap_or(1),
                    message: format!("synonyms must be a list of lists of terms: {e}"),
                })?;
            for (i, group) in parsed.into_iter().enumerate() {
                let group: Vec<String> = group
                    .iter()
                    .map(|t| normalize(t))
                    .filter(|t| !t.is_empty())
                    .collect();
                if group.len() < 2 {
                    return Err(KnowledgeError::Invalid {
                        path: file.display.clone(),
                        line: 1,
                        message: format!("synonym group {} needs at least two terms", i + 1),
                    });
                }
                groups.push(group);
            }
        }
        Ok(Self { groups })
    }

    pub fn from_groups(groups: Vec<Vec<String>>) -> Self {
        Self {
            groups: groups
                .into_iter()
                .map(|g| g.iter().map(|t| normalize(t)).collect())
                .collect(),
        }
    }

    pub fn groups(&self) -> &[Vec<String>] {
        &self.groups
    }

    /// The terms to add to `query`: for each group with a member that occurs in
    /// the query as whole words, the members that do not occur.
    pub fn expand(&self, query: &str) -> Vec<String> {
        let q = format!(" {} ", normalize(query));
        let mut extra = Vec::new();
        for group in &self.groups {
            let present = |t: &String| q.contains(&format!(" {t} "));
            if group.iter().any(present) {
                for t in group {
                    if !present(t) && !extra.contains(t) {
                        extra.push(t.clone());
                    }
                }
            }
        }
        extra
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_both_directions_on_whole_words() {
        let s = Synonyms::from_groups(vec![
            vec!["DLQ".into(), "dead-letter queue".into()],
            vec!["SFN".into(), "Step Functions".into()],
        ]);
        assert_eq!(s.expand("Why is my DLQ filling?"), ["dead letter queue"]);
        assert_eq!(s.expand("dead letter queue alarm"), ["dlq"]);
        assert!(s.expand("sfnx").is_empty());
        assert_eq!(s.expand("step-functions vs lambda"), ["sfn"]);
    }

    #[test]
    fn builtin_synonyms_cover_the_required_acronyms() {
        let s = Synonyms::load(&KnowledgeSources::builtin()).unwrap();
        for (short, long) in [
            ("dlq", "dead letter queue"),
            ("sfn", "step functions"),
            ("ddb", "dynamodb"),
            ("apigw", "api gateway"),
            ("eb", "eventbridge"),
            ("esm", "event source mapping"),
        ] {
            assert!(
                s.expand(short).iter().any(|t| t == long),
                "{short} should expand to {long}"
            );
            assert!(
                s.expand(long).iter().any(|t| t == short),
                "{long} should expand to {short}"
            );
        }
    }
}
