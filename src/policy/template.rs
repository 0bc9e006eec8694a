//! Detail templates of rules: text with `{placeholder}`s filled from the facts a rule matched, so
//! a reason reads "12000 sensitive persons ≥ 10000" with the real numbers. The placeholders are a
//! closed list, checked when the policy is loaded; `{{` and `}}` are literal braces.

/// Placeholders a detail may use, with what they become.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("conditions", "every condition of the rule with the facts it compared"),
    ("counts", "the rule's person-count conditions, e.g. `12000 sensitive persons ≥ 10000`"),
    ("matched", "categories and markers the rule's category/marker conditions matched"),
    ("markers", "every important-data and core marker found"),
    ("listed", "markers found that the catalogue names"),
    ("unlisted", "important-data candidates found that the catalogue does not name"),
    ("categories", "every category found"),
    ("personal", "persons with personal information since 1 January (this export included)"),
    ("sensitive", "persons with sensitive personal information since 1 January"),
    ("personal_only", "persons with personal but no sensitive information since 1 January"),
    ("personal_batch", "persons with personal information in this export"),
    ("sensitive_batch", "persons with sensitive personal information in this export"),
    ("scenarios", "scenarios the operator declared (national exemptions and list scenarios)"),
    ("list_scenarios", "business scenarios of the negative list the operator declared, as `name (id)`"),
    ("sector", "the sector the operator declared"),
    ("window", "which persons the counts cover: since 1 January from the ledger, or this export only"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(String),
}

/// A parsed detail template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

impl Template {
    /// Parse; the error names the offending placeholder.
    pub fn parse(s: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for d in chars.by_ref() {
                        if d == '}' {
                            closed = true;
                            break;
                        }
                        name.push(d);
                    }
                    if !closed {
                        return Err(format!("unclosed `{{{name}`"));
                    }
                    if !PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
                        let known: Vec<&str> = PLACEHOLDERS.iter().map(|(p, _)| *p).collect();
                        return Err(format!(
                            "unknown placeholder `{{{name}}}`, expected one of {}",
                            super::level::names(known)
                        ));
                    }
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Var(name));
                }
                '}' => return Err("a lone `}` (write `}}` for a brace)".into()),
                _ => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Template { source: s.to_string(), pieces })
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Fill the placeholders; `value` is asked once per occurrence.
    pub fn render(&self, mut value: impl FnMut(&str) -> String) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(v) => out.push_str(&value(v)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_escapes() {
        let t = Template::parse("{counts} {{literal}} ok").unwrap();
        assert_eq!(t.render(|v| format!("<{v}>")), "<counts> {literal} ok");
    }

    #[test]
    fn rejects_unknown_and_unclosed() {
        assert!(Template::parse("{sensitve}").unwrap_err().contains("sensitve"));
        assert!(Template::parse("{counts").unwrap_err().contains("unclosed"));
        assert!(Template::parse("a } b").is_err());
    }
}
