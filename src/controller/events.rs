//! Kubernetes Events about the resources (`events.k8s.io/v1`), each created as it happens.
//!
//! kube's `Recorder` keeps every Event it published for six minutes, to count repeats as a
//! series; the operator publishes on changes only (a step starts, a resource becomes Ready or
//! fails), never the same Event each pass, so that cache would only cost memory: about 3 KB per
//! Event, 6 MB while 1000 resources settle.

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::Event as KubeEvent;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, PostParams};
use kube::runtime::events::{Event, EventType, Reporter};

/// Publishes Events as `reporter`, keeping nothing.
pub struct Publisher {
    client: Client,
    reporter: Reporter,
}

impl Publisher {
    /// A publisher for `reporter` (the controller's name and this replica).
    pub fn new(client: Client, reporter: Reporter) -> Self {
        Self { client, reporter }
    }

    /// Creates `event` about `regarding`, in its namespace.
    pub async fn publish(
        &self,
        event: &Event,
        regarding: &ObjectReference,
    ) -> Result<(), kube::Error> {
        let namespace = regarding.namespace.as_deref().unwrap_or("default");
        let created = kube_event(&self.reporter, event, regarding, Timestamp::now());
        Api::<KubeEvent>::namespaced(self.client.clone(), namespace)
            .create(&PostParams::default(), &created)
            .await
            .map(drop)
    }
}

/// The Event object for `event` about `regarding` at `now`, named as kubectl and kube name
/// theirs: `<object>.<time in hex nanoseconds>`.
fn kube_event(
    reporter: &Reporter,
    event: &Event,
    regarding: &ObjectReference,
    now: Timestamp,
) -> KubeEvent {
    let controller = &reporter.controller;
    let object = regarding.name.as_deref().unwrap_or(controller);
    KubeEvent {
        metadata: ObjectMeta {
            name: Some(format!("{object}.{:x}", now.as_nanosecond())),
            namespace: regarding.namespace.clone(),
            ..ObjectMeta::default()
        },
        action: Some(event.action.clone()),
        reason: Some(event.reason.clone()),
        note: event.note.clone(),
        type_: Some(
            match event.type_ {
                EventType::Normal => "Normal",
                EventType::Warning => "Warning",
            }
            .to_owned(),
        ),
        event_time: Some(MicroTime(now)),
        regarding: Some(regarding.clone()),
        related: event.secondary.clone(),
        reporting_controller: Some(controller.clone()),
        reporting_instance: Some(
            reporter
                .instance
                .clone()
                .unwrap_or_else(|| controller.clone()),
        ),
        ..KubeEvent::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_names_its_object_reporter_and_related_object() {
        let reporter = Reporter {
            controller: "dbmigrate-operator".to_owned(),
            instance: None,
        };
        let regarding = ObjectReference {
            kind: Some("DatabaseMigration".to_owned()),
            name: Some("app".to_owned()),
            namespace: Some("shop".to_owned()),
            ..ObjectReference::default()
        };
        let job = ObjectReference {
            kind: Some("Job".to_owned()),
            name: Some("app-s0-a1-abc".to_owned()),
            ..ObjectReference::default()
        };
        let event = Event {
            type_: EventType::Warning,
            reason: "MigrationFailed".to_owned(),
            note: Some("2_orders.sql:3: syntax error".to_owned()),
            action: "Reconcile".to_owned(),
            secondary: Some(job.clone()),
        };
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let created = kube_event(&reporter, &event, &regarding, now);
        assert_eq!(
            created.metadata.name.as_deref(),
            Some("app.18fae27693b40000")
        );
        assert_eq!(created.metadata.namespace.as_deref(), Some("shop"));
        assert_eq!(created.type_.as_deref(), Some("Warning"));
        assert_eq!(created.reason.as_deref(), Some("MigrationFailed"));
        assert_eq!(created.note, event.note);
        assert_eq!(created.regarding, Some(regarding));
        assert_eq!(created.related, Some(job));
        assert_eq!(
            created.reporting_instance.as_deref(),
            Some("dbmigrate-operator")
        );
        assert_eq!(created.event_time, Some(MicroTime(now)));
        assert!(created.series.is_none());
    }
}
