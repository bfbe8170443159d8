//! The Pod printer (`printPod` of Kubernetes 1.33): Ready, Status (phase, container waiting and
//! terminated reasons, `Init:` states, sidecars, Terminating), Restarts with the time of the
//! last restart, and the wide columns.

use serde_json::Value;
use time::OffsetDateTime;

use super::Row;
use super::builtin::{age, completed_condition, items, str_at};
use super::format::{human_duration, timestamp};

/// `lastState.terminated.finishedAt` of a container status (`None` sorts first, as Go's zero time).
fn last_finished(status: &Value) -> Option<OffsetDateTime> {
    timestamp(&status["lastState"]["terminated"]["finishedAt"])
}

fn restart_count(status: &Value) -> i64 {
    status["restartCount"].as_i64().unwrap_or_default()
}

/// The text of a terminated state without a reason: `Signal:N` or `ExitCode:N`.
fn exit_text(terminated: &Value) -> String {
    match terminated["signal"].as_i64().unwrap_or_default() {
        0 => format!(
            "ExitCode:{}",
            terminated["exitCode"].as_i64().unwrap_or_default()
        ),
        signal => format!("Signal:{signal}"),
    }
}

fn condition_true(pod: &Value, kind: &str) -> bool {
    let found = items(pod, "/status/conditions")
        .iter()
        .find(|c| c["type"] == kind);
    found.is_some_and(|c| c["status"] == "True")
}

/// One Pod's row.
pub(super) fn row(pod: &Value, now: OffsetDateTime) -> Row {
    let init_specs = items(pod, "/spec/initContainers");
    let restartable = |name: &Value| {
        init_specs
            .iter()
            .any(|c| &c["name"] == name && c["restartPolicy"] == "Always")
    };
    let total = items(pod, "/spec/containers").len()
        + init_specs
            .iter()
            .filter(|c| c["restartPolicy"] == "Always")
            .count();
    let mut ready = 0;
    let mut restarts = 0;
    let mut sidecar_restarts = 0;
    let mut last_restart: Option<OffsetDateTime> = None;
    let mut last_sidecar_restart: Option<OffsetDateTime> = None;

    let phase = str_at(pod, "/status/phase");
    let mut reason = match str_at(pod, "/status/reason") {
        "" => phase.to_owned(),
        r => r.to_owned(),
    };
    let gated = items(pod, "/status/conditions")
        .iter()
        .any(|c| c["type"] == "PodScheduled" && c["reason"] == "SchedulingGated");
    if gated {
        reason = "SchedulingGated".to_owned();
    }
    let conditions = match phase {
        "Succeeded" => Some(completed_condition(
            "Succeeded",
            "The pod has completed successfully.",
        )),
        "Failed" => Some(completed_condition("Failed", "The pod failed.")),
        _ => None,
    };

    let mut initializing = false;
    for (i, status) in items(pod, "/status/initContainerStatuses")
        .iter()
        .enumerate()
    {
        restarts += restart_count(status);
        last_restart = last_restart.max(last_finished(status));
        let is_sidecar = restartable(&status["name"]);
        if is_sidecar {
            sidecar_restarts += restart_count(status);
            last_sidecar_restart = last_sidecar_restart.max(last_finished(status));
        }
        let terminated = &status["state"]["terminated"];
        let waiting = str_at(status, "/state/waiting/reason");
        if terminated.is_object() && terminated["exitCode"].as_i64().unwrap_or_default() == 0 {
            continue;
        } else if is_sidecar && status["started"].as_bool() == Some(true) {
            if status["ready"].as_bool() == Some(true) {
                ready += 1;
            }
            continue;
        } else if terminated.is_object() {
            reason = match terminated["reason"].as_str().unwrap_or_default() {
                "" => format!("Init:{}", exit_text(terminated)),
                r => format!("Init:{r}"),
            };
        } else if status["state"]["waiting"].is_object()
            && !waiting.is_empty()
            && waiting != "PodInitializing"
        {
            reason = format!("Init:{waiting}");
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    if !initializing || condition_true(pod, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for status in items(pod, "/status/containerStatuses").iter().rev() {
            restarts += restart_count(status);
            last_restart = last_restart.max(last_finished(status));
            let state = &status["state"];
            let waiting = str_at(status, "/state/waiting/reason");
            let terminated = &state["terminated"];
            let terminated_reason = terminated["reason"].as_str().unwrap_or_default();
            if state["waiting"].is_object() && !waiting.is_empty() {
                reason = waiting.to_owned();
            } else if terminated.is_object() && !terminated_reason.is_empty() {
                reason = terminated_reason.to_owned();
            } else if terminated.is_object() {
                reason = exit_text(terminated);
            } else if status["ready"].as_bool() == Some(true) && state["running"].is_object() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true(pod, "Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .to_owned();
        }
    }

    let deleting = !pod["metadata"]["deletionTimestamp"].is_null();
    if deleting && str_at(pod, "/status/reason") == "NodeLost" {
        reason = "Unknown".to_owned();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".to_owned();
    }

    let restarts_text = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now - t)),
        _ => restarts.to_string(),
    };
    let or_none = |s: &str| {
        if s.is_empty() {
            "<none>".to_owned()
        } else {
            s.to_owned()
        }
    };
    let gates = items(pod, "/spec/readinessGates");
    let readiness_gates = if gates.is_empty() {
        "<none>".to_owned()
    } else {
        let conditions = items(pod, "/status/conditions");
        let true_count = gates
            .iter()
            .filter(|g| {
                let found = conditions.iter().find(|c| c["type"] == g["conditionType"]);
                found.is_some_and(|c| c["status"] == "True")
            })
            .count();
        format!("{true_count}/{}", gates.len())
    };
    let cells = vec![
        str_at(pod, "/metadata/name").into(),
        format!("{ready}/{total}").into(),
        reason.into(),
        restarts_text.into(),
        age(pod, now),
        // The real server keeps podIPs[0] equal to podIP; an unsynced object falls back to podIP.
        or_none(match str_at(pod, "/status/podIPs/0/ip") {
            "" => str_at(pod, "/status/podIP"),
            ip => ip,
        })
        .into(),
        or_none(str_at(pod, "/spec/nodeName")).into(),
        or_none(str_at(pod, "/status/nominatedNodeName")).into(),
        readiness_gates.into(),
    ];
    Row { cells, conditions }
}
