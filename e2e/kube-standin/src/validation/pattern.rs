//! `pattern`: Go RE2 syntax (what kube-apiserver compiles) on Rust's `regex` crate. The two agree
//! except that Go's `\d`, `\w`, `\s` and `\b` are ASCII-only; those are rewritten to ASCII.

use regex::Regex;

/// A compiled `pattern`, or why it does not compile.
pub struct Pattern {
    /// The pattern as written in the schema.
    pub source: String,
    compiled: Result<Regex, String>,
}

impl Pattern {
    /// Compiles `source` with Go's semantics.
    pub fn new(source: &str) -> Self {
        Self {
            source: source.to_owned(),
            compiled: Regex::new(&ascii_classes(source)).map_err(|e| e.to_string()),
        }
    }

    /// Whether `text` contains a match (unanchored, like Go's `MatchString`); the error is why the
    /// pattern does not compile.
    pub fn matches(&self, text: &str) -> Result<bool, &str> {
        match &self.compiled {
            Ok(regex) => Ok(regex.is_match(text)),
            Err(e) => Err(e),
        }
    }
}

/// Rewrites the Perl classes and word boundaries to their ASCII meaning, as RE2 has them.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                out.push_str(&match (next, in_class) {
                    ('d', false) => "[0-9]".to_owned(),
                    ('D', false) => "[^0-9]".to_owned(),
                    ('w', false) => "[0-9A-Za-z_]".to_owned(),
                    ('W', false) => "[^0-9A-Za-z_]".to_owned(),
                    ('s', false) => r"[\t\n\f\r ]".to_owned(),
                    ('S', false) => r"[^\t\n\f\r ]".to_owned(),
                    ('b', false) => r"(?-u:\b)".to_owned(),
                    ('B', false) => r"(?-u:\B)".to_owned(),
                    ('d', true) => "0-9".to_owned(),
                    ('w', true) => "0-9A-Za-z_".to_owned(),
                    ('s', true) => r"\t\n\f\r ".to_owned(),
                    (other, _) => format!("\\{other}"),
                });
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // a `]` (or `^]`) right after the opening bracket is a literal
                let mut rest = chars.clone();
                match rest.next() {
                    Some('^') if rest.next() == Some(']') => {
                        out.push_str("^\\]");
                        chars.nth(1);
                    }
                    Some(']') => {
                        out.push_str("\\]");
                        chars.next();
                    }
                    _ => {}
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_classes_are_ascii_as_in_go() {
        let digits = Pattern::new(r"^\d+$");
        assert_eq!(digits.matches("123"), Ok(true));
        assert_eq!(
            digits.matches("١٢٣"),
            Ok(false),
            "Arabic-Indic digits are not \\d in Go"
        );
        let word = Pattern::new(r"^[\w-]+\b");
        assert_eq!(word.matches("a-b_c"), Ok(true));
        assert_eq!(word.matches("é"), Ok(false));
        let control = Pattern::new(r"^[^.\x00-\x1f]{1,3}$");
        assert_eq!(
            control.matches("été"),
            Ok(true),
            "counts characters, not bytes"
        );
        assert!(Pattern::new("(").matches("x").is_err());
    }
}
