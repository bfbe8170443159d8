//! The code blocks of the repository's Markdown docs, so that tests run what the docs show
//! exactly as written.

/// The first fenced code block of `language` (```` ```yaml ````) in `markdown` whose text
/// contains `containing`, without its fences; `None` when there is none.
pub fn code_block(markdown: &str, language: &str, containing: &str) -> Option<String> {
    let opening = format!("```{language}");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match current.as_mut() {
            None if line.trim_end() == opening => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks.into_iter().find(|block| block.contains(containing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_block_of_the_language_holding_the_text_is_found() {
        let doc = "text\n```sh\nkind: Role\n```\n```yaml\nkind: ConfigMap\n```\n\
                   ```yaml\nkind: Role\nrules: []\n```\n";
        assert_eq!(
            code_block(doc, "yaml", "kind: Role").as_deref(),
            Some("kind: Role\nrules: []\n")
        );
        assert_eq!(code_block(doc, "yaml", "kind: Pod"), None);
    }
}
