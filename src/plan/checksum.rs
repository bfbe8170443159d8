//! The migration checksum: a fixed, documented algorithm (part of the history format).
//!
//! `checksum = lowercase hex of SHA-256(up script bytes)`, where the up script's UTF-8 bytes
//! are taken after (1) removing a leading byte-order mark and (2) replacing every `\r\n` with
//! `\n`. Nothing else is normalised: whitespace, comments and directives count. The down script
//! is not part of the checksum (fixing a down script never invalidates applied history).

use sha2::{Digest, Sha256};

use crate::source::Script;

/// The checksum of a script, as stored in `dbmigrate_history.checksum`.
pub fn checksum(script: &Script) -> String {
    checksum_of_text(&script.sql)
}

/// The checksum of raw script text (see the module documentation for what is hashed).
pub fn checksum_of_text(sql: &str) -> String {
    let text = sql.strip_prefix('\u{feff}').unwrap_or(sql);
    let mut hasher = Sha256::new();
    let mut rest = text;
    while let Some(at) = rest.find("\r\n") {
        hasher.update(&rest.as_bytes()[..at]);
        hasher.update(b"\n");
        rest = &rest[at + 2..];
    }
    hasher.update(rest.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_pinned_sha256_hex() {
        // `printf 'SELECT 1;\n' | sha256sum`
        assert_eq!(
            checksum_of_text("SELECT 1;\n"),
            "b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd"
        );
    }

    #[test]
    fn ignores_bom_and_crlf_only() {
        let base = checksum_of_text("SELECT 1;\nSELECT 2;\n");
        assert_eq!(checksum_of_text("\u{feff}SELECT 1;\r\nSELECT 2;\r\n"), base);
        assert_ne!(checksum_of_text("SELECT 1; \nSELECT 2;\n"), base);
    }
}
