//! Watches: a stream of `{"type","object"}` JSON lines from a resourceVersion (or from the
//! current state), filtered by namespace and selectors, with bookmarks, `timeoutSeconds`, and an
//! `ERROR` event with `410 Expired` when the version is older than the history kept.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::authn::user::UserInfo;
use crate::convert::from_storage;
use crate::error::ApiError;
use crate::http::{Params, Representation, representation};
use crate::objects::{Request, Selectors, partial_metadata};
use crate::registry::ResourceType;
use crate::state::State;
use crate::store::{Change, ChangeType};

/// Starts a watch; the response streams until the client goes, the timeout passes, or the
/// client falls too far behind.
pub fn watch(req: &Request) -> Result<Response, ApiError> {
    let selectors = Selectors::parse(&req.params, &req.rt.kind)?;
    let timeout = req
        .params
        .number("timeoutSeconds")?
        .map(Duration::from_secs);
    let bookmarks = req.params.flag("allowWatchBookmarks");
    let initial_events_end = req.params.flag("sendInitialEvents");
    let from = req.params.get("resourceVersion").filter(|v| *v != "0");
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(256);
    let mut session = Session {
        state: req.state.clone(),
        rt: req.rt.clone(),
        namespace: req.namespace.clone(),
        params: req.params.clone(),
        headers: req.headers.clone(),
        user: req.user.clone(),
        selectors,
        representation: representation(&req.headers),
        columns_sent: false,
        tx,
        last_rv: 0,
    };
    let (initial, receiver) = match from {
        None => {
            let guard = req.state.store.lock();
            let objects = guard.list(&req.rt.storage, req.namespace.as_deref());
            let receiver = guard.subscribe();
            session.last_rv = guard.rv();
            (Initial::State(objects), receiver)
        }
        Some(rv) => {
            let rv: u64 = rv
                .parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {rv:?}")))?;
            match req.state.store.watch_from(rv) {
                Ok(start) => {
                    session.last_rv = rv;
                    (Initial::Replay(start.replay), start.receiver)
                }
                Err(too_old) => {
                    let message = format!("too old resource version: {rv} ({})", too_old.oldest);
                    let status = ApiError::expired(message).status();
                    let line = json!({"type": "ERROR", "object": status}).to_string() + "\n";
                    return Ok(stream_response(Body::from(line)));
                }
            }
        }
    };
    let interval = req.state.config.bookmark_interval;
    tokio::spawn(async move {
        session
            .run(
                initial,
                receiver,
                bookmarks,
                initial_events_end,
                interval,
                timeout,
            )
            .await;
    });
    Ok(stream_response(Body::from_stream(ReceiverStream::new(rx))))
}

fn stream_response(body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

enum Initial {
    State(Vec<Value>),
    Replay(Vec<Arc<Change>>),
}

/// One client's watch: what it selects, how it renders, where it sends.
struct Session {
    state: Arc<State>,
    rt: Arc<ResourceType>,
    namespace: Option<String>,
    params: Params,
    headers: HeaderMap,
    /// Who watches.
    user: UserInfo,
    selectors: Selectors,
    representation: Representation,
    /// Tables carry column definitions on the first event only.
    columns_sent: bool,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    /// The newest resourceVersion this watch has seen (what bookmarks report).
    last_rv: u64,
}

impl Session {
    async fn run(
        mut self,
        initial: Initial,
        mut receiver: broadcast::Receiver<Arc<Change>>,
        bookmarks: bool,
        initial_events_end: bool,
        interval: Duration,
        timeout: Option<Duration>,
    ) {
        let ok = match initial {
            Initial::State(objects) => {
                let mut ok = true;
                for object in objects {
                    let served = from_storage(&self.rt, object);
                    if self.selectors.matches(&served) {
                        ok = ok && self.send("ADDED", served).await;
                    }
                }
                if ok && bookmarks && initial_events_end {
                    ok = self.bookmark(true).await;
                }
                ok
            }
            Initial::Replay(changes) => {
                let mut ok = true;
                for change in changes {
                    ok = ok && self.handle(&change).await;
                }
                ok
            }
        };
        if !ok {
            return;
        }
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        let mut ticker = tokio::time::interval(interval);
        ticker.tick().await;
        loop {
            let expire = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let alive = tokio::select! {
                change = receiver.recv() => match change {
                    Ok(change) => self.handle(&change).await,
                    // fell behind the broadcast buffer: end, the client re-watches from its last version
                    Err(_) => false,
                },
                _ = ticker.tick() => !bookmarks || self.bookmark(false).await,
                () = self.tx.closed() => false,
                () = expire => false,
            };
            if !alive {
                return;
            }
        }
    }

    /// Sends what `change` means to this watch; false when the client is gone.
    async fn handle(&mut self, change: &Change) -> bool {
        self.last_rv = self.last_rv.max(change.rv);
        if change.storage != self.rt.storage
            || self
                .namespace
                .as_deref()
                .is_some_and(|ns| ns != change.namespace)
        {
            return true;
        }
        let now = from_storage(&self.rt, change.object.clone());
        let selected_now = self.selectors.matches(&now);
        let event = match change.change {
            ChangeType::Added => selected_now.then_some("ADDED"),
            ChangeType::Deleted => selected_now.then_some("DELETED"),
            ChangeType::Modified => {
                let before = change
                    .previous
                    .clone()
                    .map(|p| self.selectors.matches(&from_storage(&self.rt, p)))
                    .unwrap_or(false);
                match (before, selected_now) {
                    (true, true) => Some("MODIFIED"),
                    (false, true) => Some("ADDED"),
                    (true, false) => Some("DELETED"),
                    (false, false) => None,
                }
            }
        };
        match event {
            Some(event) => self.send(event, now).await,
            None => true,
        }
    }

    async fn bookmark(&mut self, initial_events_end: bool) -> bool {
        let mut metadata = json!({"resourceVersion": self.last_rv.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({"kind": self.rt.kind, "apiVersion": self.rt.api_version(), "metadata": metadata});
        self.write("BOOKMARK", object).await
    }

    async fn send(&mut self, event: &str, object: Value) -> bool {
        let rendered = match &self.representation {
            Representation::Object => object,
            Representation::Metadata(version) => partial_metadata(&object, version),
            Representation::Table(version) => {
                let columns = !self.columns_sent;
                self.columns_sent = true;
                let rv = object["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let req = Request {
                    state: &self.state,
                    rt: self.rt.clone(),
                    namespace: self.namespace.clone(),
                    name: None,
                    status: false,
                    params: self.params.clone(),
                    headers: self.headers.clone(),
                    user: &self.user,
                };
                req.table(&[object], version, &rv, None, columns)
            }
        };
        self.write(event, rendered).await
    }

    async fn write(&self, event: &str, object: Value) -> bool {
        let line = json!({"type": event, "object": object}).to_string() + "\n";
        self.tx.send(Ok(Bytes::from(line))).await.is_ok()
    }
}
