//! Container logs: written in the CRI log format the kubelet uses, and served on the kubelet's
//! `/containerLogs/NS/POD/CONTAINER` endpoint (follow, tailLines, limitBytes, timestamps,
//! sinceSeconds, sinceTime).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::watch;

use crate::registry::{ContainerPhase, LocalContainer, Registry};

/// One log line in the CRI format: `<RFC3339Nano> <stream> F <line>`.
pub fn cri_line(at: Timestamp, stream: &str, line: &[u8]) -> Vec<u8> {
    let mut out = format!("{} {stream} F ", rfc3339_nano(at)).into_bytes();
    out.extend_from_slice(line);
    if !line.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

/// RFC3339 with nanoseconds, trailing zeros trimmed (Go's `RFC3339Nano`).
pub fn rfc3339_nano(at: Timestamp) -> String {
    at.to_string()
}

/// A parsed CRI log line: time and content (with its newline).
fn parse_cri(line: &[u8]) -> Option<(Timestamp, &[u8])> {
    let mut parts = line.splitn(4, |&b| b == b' ');
    let at = std::str::from_utf8(parts.next()?).ok()?.parse().ok()?;
    let _stream = parts.next()?;
    let _tag = parts.next()?;
    Some((at, parts.next()?))
}

/// The plain text of a CRI log (for termination message fallback).
pub fn plain_text(cri: &[u8]) -> String {
    let mut out = Vec::new();
    for line in cri.split_inclusive(|&b| b == b'\n') {
        if let Some((_, content)) = parse_cri(line) {
            out.extend_from_slice(content);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The kubelet's log query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    follow: Option<String>,
    tail_lines: Option<i64>,
    limit_bytes: Option<i64>,
    timestamps: Option<String>,
    since_seconds: Option<i64>,
    since_time: Option<String>,
    previous: Option<String>,
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("true" | "1" | "True" | "TRUE"))
}

/// The selection and formatting a request asks for.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// Keep only lines at or after this time.
    pub since: Option<Timestamp>,
    /// Keep only the last lines of the existing log.
    pub tail: Option<usize>,
    /// Prefix lines with their timestamp.
    pub timestamps: bool,
}

impl LogOptions {
    fn from_query(q: &LogQuery, now: Timestamp) -> Self {
        let since = q
            .since_seconds
            .map(|s| now - SignedDuration::from_secs(s))
            .or_else(|| q.since_time.as_deref().and_then(|t| t.parse().ok()));
        Self {
            since,
            tail: q.tail_lines.and_then(|t| usize::try_from(t).ok()),
            timestamps: flag(&q.timestamps),
        }
    }

    /// Formats the complete lines of a CRI log chunk (`tail` applied when `initial`).
    pub fn render(&self, cri: &[u8], initial: bool) -> Vec<u8> {
        let mut lines: Vec<(Timestamp, &[u8])> = cri
            .split_inclusive(|&b| b == b'\n')
            .filter_map(parse_cri)
            .filter(|(at, _)| self.since.is_none_or(|s| *at >= s))
            .collect();
        if let (true, Some(t)) = (initial, self.tail) {
            lines.drain(..lines.len().saturating_sub(t));
        }
        let mut out = Vec::new();
        for (at, content) in lines {
            if self.timestamps {
                out.extend_from_slice(rfc3339_nano(at).as_bytes());
                out.push(b' ');
            }
            out.extend_from_slice(content);
        }
        out
    }
}

/// What the log server reads from.
#[derive(Debug, Clone)]
pub struct LogSource {
    /// The pods running (or run) by this process.
    pub registry: Arc<Registry>,
    /// The state directory, for logs of pods run by an earlier job-runner.
    pub state_dir: PathBuf,
}

impl LogSource {
    /// The container's log: a local pod's, else the newest matching log left in the state
    /// directory by an earlier job-runner (complete, since its process is gone).
    fn find(
        &self,
        ns: &str,
        pod: &str,
        container: &str,
    ) -> Result<Arc<LocalContainer>, (StatusCode, String)> {
        if let Some(local) = self.registry.by_name(ns, pod) {
            return local.containers.get(container).cloned().ok_or_else(|| {
                (
                    StatusCode::NOT_FOUND,
                    format!("container \"{container}\" not found in pod \"{ns}/{pod}\"\n"),
                )
            });
        }
        let prefix = format!("{ns}_{pod}_");
        let newest = std::fs::read_dir(self.state_dir.join("pods"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .map(|e| e.path().join("logs").join(format!("{container}.log")))
            .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
            .max();
        match newest {
            Some((_, log)) => Ok(Arc::new(LocalContainer {
                log,
                phase: watch::Sender::new(ContainerPhase::Terminated),
            })),
            None => Err((
                StatusCode::NOT_FOUND,
                format!("pod \"{ns}/{pod}\" does not exist\n"),
            )),
        }
    }
}

/// The log server's router.
pub fn router(source: LogSource) -> Router {
    Router::new()
        .route("/containerLogs/{ns}/{pod}/{container}", get(container_logs))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(source)
}

fn text(code: StatusCode, msg: String) -> Response {
    (code, [("content-type", "text/plain; charset=utf-8")], msg).into_response()
}

async fn container_logs(
    State(source): State<LogSource>,
    Path((ns, pod, container)): Path<(String, String, String)>,
    Query(q): Query<LogQuery>,
) -> Response {
    let c = match source.find(&ns, &pod, &container) {
        Ok(c) => c,
        Err((code, msg)) => return text(code, msg),
    };
    if flag(&q.previous) {
        // containers are never restarted here, so there is no previous instance
        return text(
            StatusCode::BAD_REQUEST,
            format!("previous terminated container \"{container}\" in pod \"{pod}\" not found"),
        );
    }
    if let ContainerPhase::Waiting(reason) = &*c.phase.borrow() {
        return text(
            StatusCode::BAD_REQUEST,
            format!("container \"{container}\" in pod \"{pod}\" is waiting to start: {reason}"),
        );
    }
    let opts = LogOptions::from_query(&q, Timestamp::now());
    let limit = q
        .limit_bytes
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(usize::MAX);
    if !flag(&q.follow) {
        let cri = tokio::fs::read(&c.log).await.unwrap_or_default();
        let mut out = opts.render(&cri, true);
        out.truncate(limit);
        return text_bytes(out);
    }
    let follower = Follower {
        c,
        opts,
        offset: 0,
        pending: Vec::new(),
        remaining: limit,
        first: true,
    };
    let stream = futures_util::stream::unfold(follower, |mut f| async move {
        let chunk = f.next().await?;
        Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), f))
    });
    Response::builder()
        .header("content-type", "text/plain; charset=utf-8")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|e| text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

fn text_bytes(out: Vec<u8>) -> Response {
    ([("content-type", "text/plain; charset=utf-8")], out).into_response()
}

/// Streams a log as it grows until the container has terminated.
struct Follower {
    c: Arc<LocalContainer>,
    opts: LogOptions,
    offset: u64,
    pending: Vec<u8>,
    remaining: usize,
    first: bool,
}

impl Follower {
    /// The next non-empty chunk, or `None` at the end.
    async fn next(&mut self) -> Option<Vec<u8>> {
        loop {
            if self.remaining == 0 {
                return None;
            }
            // Read the phase first: if it says terminated, everything is already written.
            let terminated = *self.c.phase.borrow() == ContainerPhase::Terminated;
            let fresh = self.read_more().await;
            if let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') {
                let complete: Vec<u8> = self.pending.drain(..=end).collect();
                let mut out = self.opts.render(&complete, std::mem::take(&mut self.first));
                out.truncate(self.remaining);
                self.remaining -= out.len();
                if !out.is_empty() {
                    return Some(out);
                }
                continue;
            }
            self.first = false;
            if terminated && !fresh {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Appends what the file gained since the last read; whether anything was read.
    async fn read_more(&mut self) -> bool {
        let Ok(mut file) = tokio::fs::File::open(&self.c.log).await else {
            return false;
        };
        if file
            .seek(std::io::SeekFrom::Start(self.offset))
            .await
            .is_err()
        {
            return false;
        }
        let mut buf = Vec::new();
        let n = file.read_to_end(&mut buf).await.unwrap_or(0);
        self.offset += n as u64;
        self.pending.extend_from_slice(&buf[..n.min(buf.len())]);
        n > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_options() {
        let t0: Timestamp = "2025-01-01T00:00:00.5Z".parse().unwrap();
        let mut cri = cri_line(t0, "stdout", b"one");
        cri.extend(cri_line(
            t0 + SignedDuration::from_secs(1),
            "stderr",
            b"two\n",
        ));
        cri.extend(cri_line(
            t0 + SignedDuration::from_secs(2),
            "stdout",
            b"three",
        ));
        let all = LogOptions {
            since: None,
            tail: None,
            timestamps: false,
        };
        assert_eq!(all.render(&cri, true), b"one\ntwo\nthree\n");
        assert_eq!(plain_text(&cri), "one\ntwo\nthree\n");
        let tail = LogOptions {
            tail: Some(1),
            timestamps: true,
            ..all.clone()
        };
        assert_eq!(
            String::from_utf8(tail.render(&cri, true)).unwrap(),
            "2025-01-01T00:00:02.5Z three\n"
        );
        let since = LogOptions {
            since: Some(t0 + SignedDuration::from_secs(1)),
            ..all
        };
        assert_eq!(since.render(&cri, true), b"two\nthree\n");
    }
}
