//! A terminated container's message: the termination message file, or with
//! `FallbackToLogsOnError` the tail of its log, with the kubelet's size limits.

use std::path::Path;

/// The most the kubelet reads from a termination message file.
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// Lines of log used by `FallbackToLogsOnError`.
pub const FALLBACK_LINES: usize = 80;
/// Bytes of log used by `FallbackToLogsOnError`.
pub const FALLBACK_BYTES: usize = 2048;

/// The message for a container that exited with `exit_code`.
/// `file` is the termination message file, `log_tail` the container's log (plain lines).
pub fn message(
    file: &Path,
    policy: Option<&str>,
    exit_code: i32,
    log: &dyn Fn() -> String,
) -> Option<String> {
    let content = std::fs::read(file).ok().map(|mut b| {
        b.truncate(MAX_MESSAGE_BYTES);
        String::from_utf8_lossy(&b).into_owned()
    });
    select(content, policy, exit_code, log)
}

/// The pure part of [`message`].
pub fn select(
    content: Option<String>,
    policy: Option<&str>,
    exit_code: i32,
    log: &dyn Fn() -> String,
) -> Option<String> {
    match content {
        Some(c) if !c.is_empty() => Some(c),
        _ if policy == Some("FallbackToLogsOnError") && exit_code != 0 => {
            let tail = log_tail(&log(), FALLBACK_LINES, FALLBACK_BYTES);
            (!tail.is_empty()).then_some(tail)
        }
        _ => None,
    }
}

/// The last `lines` lines of `text`, then at most its last `bytes` bytes (on a char boundary).
pub fn log_tail(text: &str, lines: usize, bytes: usize) -> String {
    let trimmed = text.strip_suffix('\n').unwrap_or(text);
    let start = trimmed
        .rmatch_indices('\n')
        .nth(lines.saturating_sub(1))
        .map_or(0, |(i, _)| i + 1);
    let mut tail = &text[start..];
    if tail.len() > bytes {
        let mut cut = tail.len() - bytes;
        while !tail.is_char_boundary(cut) {
            cut += 1;
        }
        tail = &tail[cut..];
    }
    tail.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_wins_and_is_capped() {
        let dir = std::env::temp_dir().join(format!("jr-term-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("msg");
        std::fs::write(&f, "x".repeat(5000)).unwrap();
        let log = || "log\n".to_owned();
        assert_eq!(message(&f, None, 1, &log).unwrap().len(), MAX_MESSAGE_BYTES);
        std::fs::write(&f, "done").unwrap();
        assert_eq!(
            message(&f, Some("FallbackToLogsOnError"), 1, &log).as_deref(),
            Some("done")
        );
        std::fs::write(&f, "").unwrap();
        assert_eq!(message(&f, Some("File"), 1, &log), None);
        assert_eq!(message(&f, Some("FallbackToLogsOnError"), 0, &log), None);
        assert_eq!(
            message(&f, Some("FallbackToLogsOnError"), 2, &log).as_deref(),
            Some("log\n")
        );
        assert_eq!(
            message(&dir.join("absent"), Some("FallbackToLogsOnError"), 2, &log).as_deref(),
            Some("log\n")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn tail_limits() {
        let text: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let t = log_tail(&text, 80, 100_000);
        assert!(
            t.starts_with("line 20\n") && t.ends_with("line 99\n"),
            "{t}"
        );
        let t = log_tail(&text, 80, 16);
        assert_eq!(t, "line 98\nline 99\n");
        assert_eq!(log_tail("a\nb", 1, 100), "b");
        assert_eq!(log_tail("", 80, 100), "");
        assert_eq!(log_tail("ééé", 5, 3), "é");
    }
}
