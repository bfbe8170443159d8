//! Splitting a script into statements and mapping offsets to lines, quote- and comment-aware.
//!
//! Understands `--` and nested `/* */` comments, `'…'` strings (with `''`), `E'…'` strings
//! (with backslash escapes), `"…"` identifiers, PostgreSQL dollar quotes (`$tag$…$tag$`) and
//! bodies that contain semicolons (`CREATE TRIGGER … BEGIN … END;` in SQLite, `BEGIN ATOMIC …
//! END` in PostgreSQL).

/// One statement of a script with where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement text, without the terminating `;`, leading whitespace trimmed.
    pub sql: &'a str,
    /// Byte offset of `sql` in the script.
    pub offset: usize,
    /// 1-based line where the statement starts.
    pub line: usize,
}

/// Splits a script at top-level semicolons; comment-only pieces are dropped.
pub fn split_statements(script: &str) -> Vec<Statement<'_>> {
    let mut splitter = Splitter {
        bytes: script.as_bytes(),
        pos: 0,
    };
    let mut statements = Vec::new();
    let mut start = 0;
    let mut block_depth = 0usize;
    let mut first_word: Option<String> = None;
    let mut routine = false;
    let mut has_code = false;
    while splitter.pos < splitter.bytes.len() {
        let b = splitter.bytes[splitter.pos];
        let is_comment = matches!(
            (b, splitter.peek(1)),
            (b'-', Some(b'-')) | (b'/', Some(b'*'))
        );
        if !has_code && !is_comment && !b.is_ascii_whitespace() && b != b';' {
            start = splitter.pos;
        }
        match b {
            b'-' if splitter.peek(1) == Some(b'-') => splitter.skip_line_comment(),
            b'/' if splitter.peek(1) == Some(b'*') => splitter.skip_block_comment(),
            b'\'' => {
                has_code = true;
                let escapes = splitter.pos > 0
                    && matches!(splitter.bytes[splitter.pos - 1], b'E' | b'e')
                    && !splitter.prev_is_word_char(2);
                splitter.skip_quoted(b'\'', escapes);
            }
            b'"' | b'`' => {
                has_code = true;
                splitter.skip_quoted(b, false);
            }
            b'$' if splitter.dollar_tag().is_some() => {
                has_code = true;
                splitter.skip_dollar_quoted();
            }
            b';' if block_depth == 0 => {
                if has_code {
                    statements.push(statement_at(script, start, splitter.pos));
                }
                splitter.pos += 1;
                start = splitter.pos;
                first_word = None;
                routine = false;
                has_code = false;
            }
            _ if is_word_start(b) && !splitter.prev_is_word_char(1) => {
                has_code = true;
                let word = splitter.take_word().to_ascii_uppercase();
                let creates = first_word.as_deref() == Some("CREATE");
                match word.as_str() {
                    "TRIGGER" | "FUNCTION" | "PROCEDURE" if creates => routine = true,
                    "BEGIN" if creates && routine => block_depth += 1,
                    "CASE" if block_depth > 0 => block_depth += 1,
                    "END" if block_depth > 0 => block_depth -= 1,
                    _ => {}
                }
                first_word.get_or_insert(word);
            }
            _ => {
                has_code |= !b.is_ascii_whitespace();
                splitter.pos += 1;
            }
        }
    }
    if has_code {
        statements.push(statement_at(script, start, script.len()));
    }
    statements
}

fn statement_at(script: &str, start: usize, end: usize) -> Statement<'_> {
    let piece = &script[start..end];
    let trimmed = piece.trim_start();
    let offset = start + (piece.len() - trimmed.len());
    Statement {
        sql: trimmed.trim_end(),
        offset,
        line: line_of_offset(script, offset),
    }
}

/// 1-based line of a byte offset.
pub fn line_of_offset(script: &str, offset: usize) -> usize {
    script.as_bytes()[..offset.min(script.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// 1-based line and column of a 1-based character position (PostgreSQL's error `position`).
pub fn line_col_of_char_position(script: &str, position: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for ch in script.chars().take(position.saturating_sub(1)) {
        if ch == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

struct Splitter<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Splitter<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn prev_is_word_char(&self, back: usize) -> bool {
        self.pos >= back && {
            let b = self.bytes[self.pos - back];
            b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
        }
    }

    fn skip_line_comment(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
            self.pos += 1;
        }
    }

    fn skip_block_comment(&mut self) {
        let mut depth = 0usize;
        while self.pos < self.bytes.len() {
            if self.bytes[self.pos] == b'/' && self.peek(1) == Some(b'*') {
                depth += 1;
                self.pos += 2;
            } else if self.bytes[self.pos] == b'*' && self.peek(1) == Some(b'/') {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    return;
                }
            } else {
                self.pos += 1;
            }
        }
    }

    fn skip_quoted(&mut self, quote: u8, backslash_escapes: bool) {
        self.pos += 1;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if (backslash_escapes && b == b'\\') || (b == quote && self.peek(1) == Some(quote)) {
                self.pos += 2;
            } else if b == quote {
                self.pos += 1;
                return;
            } else {
                self.pos += 1;
            }
        }
    }

    /// The `$tag$` starting at the current position, if it is one (not a `$1` parameter).
    fn dollar_tag(&self) -> Option<usize> {
        if self.prev_is_word_char(1) {
            return None;
        }
        let rest = &self.bytes[self.pos + 1..];
        let len = rest
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))?;
        let tag_ok = len == 0 || !rest[0].is_ascii_digit();
        (tag_ok && rest[len] == b'$').then_some(len + 2)
    }

    fn skip_dollar_quoted(&mut self) {
        let Some(len) = self.dollar_tag() else { return };
        let tag = &self.bytes[self.pos..self.pos + len];
        self.pos += len;
        while self.pos < self.bytes.len() {
            if self.bytes[self.pos..].starts_with(tag) {
                self.pos += len;
                return;
            }
            self.pos += 1;
        }
    }

    fn take_word(&mut self) -> String {
        let start = self.pos;
        while self.pos < self.bytes.len()
            && (self.bytes[self.pos].is_ascii_alphanumeric() || self.bytes[self.pos] == b'_')
        {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(script: &str) -> Vec<&str> {
        split_statements(script)
            .into_iter()
            .map(|s| s.sql)
            .collect()
    }

    #[test]
    fn splits_on_top_level_semicolons_with_lines() {
        let script = "-- header; not a split\nCREATE TABLE a (x int);\n\n/* c; */ INSERT INTO a VALUES (1);\n";
        let statements = split_statements(script);
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0].sql, "CREATE TABLE a (x int)");
        assert_eq!(statements[0].line, 2);
        assert_eq!(statements[1].sql, "INSERT INTO a VALUES (1)");
        assert_eq!(statements[1].line, 4);
    }

    #[test]
    fn respects_quotes_and_dollar_quotes() {
        let script = "INSERT INTO t VALUES ('a;''b', E'c\\';d', \"q;\");\n\
                      CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n\
                      SELECT $$x;y$$, $1;";
        assert_eq!(sqls(script).len(), 3);
    }

    #[test]
    fn keeps_trigger_and_atomic_bodies_whole() {
        let script = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = CASE WHEN 1 THEN 2 END; DELETE FROM c; END;\n\
                      CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n\
                      BEGIN; COMMIT;\n\
                      CREATE TABLE odd (begin int); SELECT 1;";
        assert_eq!(sqls(script).len(), 6);
    }

    #[test]
    fn drops_comment_only_tail() {
        assert_eq!(sqls("SELECT 1;\n-- trailing\n"), ["SELECT 1"]);
        assert!(sqls("-- only a comment\n").is_empty());
    }

    #[test]
    fn maps_character_positions_to_lines() {
        let script = "é\nab\ncd";
        assert_eq!(line_col_of_char_position(script, 1), (1, 1));
        assert_eq!(line_col_of_char_position(script, 4), (2, 2));
        assert_eq!(line_col_of_char_position(script, 6), (3, 1));
    }
}
