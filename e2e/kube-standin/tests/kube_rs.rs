//! kube-standin driven by kube-rs: typed CRUD with optimistic concurrency, paginated lists,
//! watches that resume from a resourceVersion or get `410 Gone`, server-side apply on
//! `/status`, CRD schema validation as a `422 Invalid` status, and a `Controller` that owns
//! ConfigMaps and sees their garbage collection. The dbmigrate CRDs come from the repository's
//! `crds/` folder and their objects are `DynamicObject`s: the e2e environment never imports the
//! product.

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
    PostParams, WatchEvent, WatchParams,
};
use kube::runtime::controller::Action;
use kube::runtime::{Controller, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use kube_standin::{Config, Server};
use serde_json::json;

async fn serve(config: Config) -> (Server, Client) {
    let server = Server::start(0, config).await.expect("kube-standin starts");
    let url = format!("http://{}", server.address);
    let client =
        Client::try_from(kube::Config::new(url.parse().expect("server URL"))).expect("a client");
    (server, client)
}

/// Creates the CRDs of the repository's `crds/` folder.
async fn install_crds(client: &Client) {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crds");
    for entry in std::fs::read_dir(folder).expect("the crds folder") {
        let text = std::fs::read_to_string(entry.expect("a CRD file").path()).expect("a CRD");
        let crd: CustomResourceDefinition = serde_yaml::from_str(&text).expect("a CRD document");
        crds.create(&PostParams::default(), &crd)
            .await
            .expect("creating a CRD");
    }
}

/// `dbmigrate.dev/v1alpha1` `DatabaseMigration`, for `DynamicObject` APIs.
fn migration_resource() -> ApiResource {
    let gvk = GroupVersionKind::gvk("dbmigrate.dev", "v1alpha1", "DatabaseMigration");
    ApiResource::from_gvk_with_plural(&gvk, "databasemigrations")
}

fn migrations(client: Client) -> Api<DynamicObject> {
    Api::namespaced_with(client, "default", &migration_resource())
}

fn config_map(name: &str, value: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"value": value}}))
        .expect("a ConfigMap")
}

#[tokio::test]
async fn updates_with_a_stale_resource_version_conflict() {
    let (_server, client) = serve(Config::default()).await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "default");
    let created = maps
        .create(&PostParams::default(), &config_map("a", "1"))
        .await
        .unwrap();
    let mut fresh = created.clone();
    fresh.data = Some([("value".to_owned(), "2".to_owned())].into());
    let updated = maps
        .replace("a", &PostParams::default(), &fresh)
        .await
        .unwrap();
    assert!(updated.resource_version() > created.resource_version());
    let error = maps
        .replace("a", &PostParams::default(), &created)
        .await
        .unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("expected an API error: {error}")
    };
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert!(
        status.message.contains("the object has been modified"),
        "{}",
        status.message
    );
    let error = maps
        .create(&PostParams::default(), &config_map("a", "3"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, kube::Error::Api(ref s) if s.code == 409 && s.reason == "AlreadyExists"),
        "{error}"
    );
    let error = maps.get("missing").await.unwrap_err();
    assert!(
        matches!(error, kube::Error::Api(ref s) if s.code == 404 && s.reason == "NotFound"),
        "{error}"
    );
}

#[tokio::test]
async fn lists_are_paginated_with_continue_tokens() {
    let (_server, client) = serve(Config::default()).await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "default");
    for i in 0..7 {
        maps.create(&PostParams::default(), &config_map(&format!("m{i}"), "x"))
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut params = ListParams::default().limit(3);
    loop {
        let page = maps.list(&params).await.unwrap();
        names.extend(page.items.iter().map(|m| m.name_any()));
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
    }
    assert_eq!(names, ["m0", "m1", "m2", "m3", "m4", "m5", "m6"]);
}

#[tokio::test]
async fn a_watch_resumes_from_a_resource_version_and_expires_when_too_old() {
    let config = Config {
        watch_history: 5,
        ..Config::default()
    };
    let (_server, client) = serve(config).await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "default");
    let first = maps
        .create(&PostParams::default(), &config_map("w0", "0"))
        .await
        .unwrap();
    let from = first.resource_version().unwrap();
    maps.create(&PostParams::default(), &config_map("w1", "1"))
        .await
        .unwrap();
    maps.create(&PostParams::default(), &config_map("w2", "2"))
        .await
        .unwrap();
    let mut stream = maps
        .watch(&WatchParams::default().timeout(2), &from)
        .await
        .unwrap()
        .boxed();
    let mut seen = Vec::new();
    while let Some(event) = stream.try_next().await.unwrap() {
        match event {
            WatchEvent::Added(map) => seen.push(map.name_any()),
            other => panic!("unexpected {other:?}"),
        }
        if seen.len() == 2 {
            break;
        }
    }
    assert_eq!(seen, ["w1", "w2"], "the watch resumes right after {from}");
    for i in 3..12 {
        maps.create(&PostParams::default(), &config_map(&format!("w{i}"), "x"))
            .await
            .unwrap();
    }
    let mut stream = maps
        .watch(&WatchParams::default().timeout(2), &from)
        .await
        .unwrap()
        .boxed();
    match stream.try_next().await.unwrap() {
        Some(WatchEvent::Error(status)) => {
            assert_eq!((status.code, status.reason.as_str()), (410, "Expired"))
        }
        other => panic!("expected 410 Gone, got {other:?}"),
    }
    // kube-rs's watcher relists after a 410 and carries on
    let events: Vec<_> = watcher(maps.clone(), watcher::Config::default())
        .take(3)
        .try_collect()
        .await
        .expect("the watcher recovers");
    assert!(matches!(events[0], watcher::Event::Init));
}

#[tokio::test]
async fn status_is_written_with_server_side_apply_and_spec_changes_bump_generation() {
    let (_server, client) = serve(Config::default()).await;
    install_crds(&client).await;
    let migrations = migrations(client);
    let manifest = json!({"apiVersion": "dbmigrate.dev/v1alpha1", "kind": "DatabaseMigration",
        "metadata": {"name": "m"}, "spec": {"database": {"urlSecretRef": {"name": "db", "key": "url"}},
        "source": {"directory": "/migrations"}}});
    let apply = PatchParams::apply("gitops");
    let created = migrations
        .patch("m", &apply, &Patch::Apply(&manifest))
        .await
        .unwrap();
    assert_eq!(created.metadata.generation, Some(1));
    let failed = json!({"apiVersion": "dbmigrate.dev/v1alpha1", "kind": "DatabaseMigration",
        "status": {"phase": "Failed", "failure": {"reason": "MigrationFailed", "message": "x"}}});
    let operator = PatchParams::apply("dbmigrate-operator").force();
    migrations
        .patch_status("m", &operator, &Patch::Apply(&failed))
        .await
        .unwrap();
    // the next apply leaves `failure` out: the field its manager no longer applies goes away
    let status = json!({"apiVersion": "dbmigrate.dev/v1alpha1", "kind": "DatabaseMigration",
        "status": {"phase": "Ready", "applied": 3, "observedGeneration": 1}});
    let with_status = migrations
        .patch_status("m", &operator, &Patch::Apply(&status))
        .await
        .unwrap();
    assert!(
        with_status.data["status"].get("failure").is_none(),
        "{:?}",
        with_status.data["status"]
    );
    let managers: Vec<_> = with_status
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .map(|m| (m.manager.clone(), m.subresource.clone()))
        .collect();
    assert!(
        managers.contains(&(
            Some("dbmigrate-operator".to_owned()),
            Some("status".to_owned())
        )),
        "{managers:?}"
    );
    assert_eq!(with_status.metadata.generation, Some(1));
    assert_eq!(with_status.data["status"]["phase"], "Ready");
    // the spec applier's next apply keeps the status the operator owns
    let mut changed = manifest.clone();
    changed["spec"]["source"]["directory"] = json!("/other");
    let after = migrations
        .patch("m", &apply, &Patch::Apply(&changed))
        .await
        .unwrap();
    assert_eq!(after.metadata.generation, Some(2));
    assert_eq!(after.data["status"]["applied"], 3);
}

#[tokio::test]
async fn a_custom_resource_the_schema_refuses_is_a_422_with_its_causes() {
    let (_server, client) = serve(Config::default()).await;
    install_crds(&client).await;
    let migrations = migrations(client);
    let manifest: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "dbmigrate.dev/v1alpha1", "kind": "DatabaseMigration",
        "metadata": {"name": "bad"},
        "spec": {"database": {"urlSecretRef": {"name": "db", "key": "url"}},
            "source": {"directory": "/migrations"}, "format": "yaml",
            "dependsOn": [{"name": "a"}, {"name": "a"}]}
    }))
    .expect("a DynamicObject");
    let error = migrations
        .create(&PostParams::default(), &manifest)
        .await
        .unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("expected an API error: {error}")
    };
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    assert_eq!(
        status.message,
        r#"DatabaseMigration.dbmigrate.dev "bad" is invalid: [spec.format: Unsupported value: "yaml": supported values: "auto", "native", "flyway", "updown", "drizzle", "prisma", "diesel", <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]"#
    );
    let causes: Vec<(String, String)> = status
        .details
        .expect("details")
        .causes
        .into_iter()
        .map(|c| (c.reason, c.field))
        .collect();
    assert_eq!(
        causes,
        [
            (
                "FieldValueNotSupported".to_owned(),
                "spec.format".to_owned()
            ),
            ("FieldValueInvalid".to_owned(), "<nil>".to_owned()),
        ]
    );
    // once the enum is right, the CEL rule of dependsOn runs
    let mut fixed = manifest.clone();
    fixed.data["spec"]["format"] = json!("auto");
    let error = migrations
        .create(&PostParams::default(), &fixed)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, kube::Error::Api(s) if s.message.ends_with(r#"spec.dependsOn: Invalid value: "array": dependsOn lists the same resource (kind, name, namespace) more than once"#)),
        "{error}"
    );
}

struct Context {
    client: Client,
}

#[derive(Debug, thiserror::Error)]
#[error(transparent)]
struct ReconcileError(#[from] kube::Error);

async fn reconcile(
    migration: Arc<DynamicObject>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let namespace = migration.namespace().unwrap_or_default();
    let maps: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &namespace);
    let owner = migration
        .controller_owner_ref(&migration_resource())
        .expect("a stored object has a uid");
    let child = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("{}-plan", migration.name_any()), "ownerReferences": [owner]},
        "data": {"generation": migration.metadata.generation.unwrap_or_default().to_string()}});
    maps.patch(
        &format!("{}-plan", migration.name_any()),
        &PatchParams::apply("test-controller").force(),
        &Patch::Apply(&child),
    )
    .await?;
    Ok(Action::await_change())
}

#[tokio::test]
async fn a_controller_reconciles_owns_children_and_sees_them_collected() {
    let (_server, client) = serve(Config::default()).await;
    install_crds(&client).await;
    let migrations = migrations(client.clone());
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let controller = Controller::new_with(
        migrations.clone(),
        watcher::Config::default(),
        migration_resource(),
    )
    .owns(maps.clone(), watcher::Config::default())
    .run(
        reconcile,
        |_, _, _| Action::requeue(Duration::from_secs(1)),
        Arc::new(Context {
            client: client.clone(),
        }),
    )
    .for_each(|_| async {});
    let handle = tokio::spawn(controller);
    let manifest = json!({"apiVersion": "dbmigrate.dev/v1alpha1", "kind": "DatabaseMigration",
        "metadata": {"name": "c"}, "spec": {"database": {"urlSecretRef": {"name": "db", "key": "url"}},
        "source": {"directory": "/migrations"}}});
    migrations
        .patch("c", &PatchParams::apply("gitops"), &Patch::Apply(&manifest))
        .await
        .unwrap();
    let child = wait_for(|| async { maps.get_opt("c-plan").await.unwrap() }).await;
    assert_eq!(child.data.unwrap()["generation"], "1");
    assert_eq!(
        child.metadata.owner_references.unwrap()[0].kind,
        DynamicObject::kind(&migration_resource())
    );
    // a spec change re-reconciles
    let mut changed = manifest.clone();
    changed["spec"]["source"]["directory"] = json!("/other");
    migrations
        .patch("c", &PatchParams::apply("gitops"), &Patch::Apply(&changed))
        .await
        .unwrap();
    wait_for(|| async {
        let map = maps.get("c-plan").await.unwrap();
        (map.data.unwrap()["generation"] == "2").then_some(())
    })
    .await;
    // deleting the owner garbage-collects the child
    migrations
        .delete("c", &DeleteParams::default())
        .await
        .unwrap();
    wait_for(|| async {
        maps.get_opt("c-plan")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    handle.abort();
}

/// A ConfigMap named `name` whose `ownerReferences` name `owners` (ConfigMaps, by uid).
fn owned_config_map(name: &str, owners: &[&ConfigMap]) -> ConfigMap {
    let references: Vec<_> = owners
        .iter()
        .map(|o| json!({"apiVersion": "v1", "kind": "ConfigMap", "name": o.name_any(), "uid": o.uid()}))
        .collect();
    serde_json::from_value(json!({"metadata": {"name": name, "ownerReferences": references}}))
        .expect("a ConfigMap")
}

#[tokio::test]
async fn garbage_collection_follows_owners_and_propagation_policies() {
    let (_server, client) = serve(Config::default()).await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let create = |map: ConfigMap| {
        let maps = maps.clone();
        async move { maps.create(&PostParams::default(), &map).await.unwrap() }
    };
    let gone = |name: &'static str| {
        let maps = maps.clone();
        async move { maps.get_opt(name).await.unwrap().is_none().then_some(()) }
    };
    let (a, b) = (
        create(config_map("a", "1")).await,
        create(config_map("b", "1")).await,
    );
    // two owners: losing one keeps the object and drops that reference; losing both collects it
    create(owned_config_map("shared", &[&a, &b])).await;
    maps.delete("a", &DeleteParams::default()).await.unwrap();
    let shared = wait_for(|| async {
        let map = maps.get("shared").await.unwrap();
        (map.owner_references().len() == 1).then_some(map)
    })
    .await;
    assert_eq!(shared.owner_references()[0].name, "b");
    maps.delete("b", &DeleteParams::default()).await.unwrap();
    wait_for(|| gone("shared")).await;

    // an owner that never existed: collected at once
    let mut dangling = owned_config_map("dangling", &[&a]);
    dangling.metadata.owner_references.as_mut().unwrap()[0].uid = "no-such-uid".to_owned();
    create(dangling).await;
    wait_for(|| gone("dangling")).await;

    // orphan: the dependent stays, without the reference
    let owner = create(config_map("owner", "1")).await;
    create(owned_config_map("orphaned", &[&owner])).await;
    maps.delete("owner", &DeleteParams::orphan()).await.unwrap();
    wait_for(|| gone("owner")).await;
    let orphaned = maps.get("orphaned").await.unwrap();
    assert!(orphaned.owner_references().is_empty(), "{orphaned:?}");

    // foreground: the dependents go first, the owner waits for them
    let owner = create(config_map("parent", "1")).await;
    let child = create(owned_config_map("child", &[&owner])).await;
    create(owned_config_map("grandchild", &[&child])).await;
    maps.delete("parent", &DeleteParams::foreground())
        .await
        .unwrap();
    wait_for(|| gone("parent")).await;
    assert!(maps.get_opt("child").await.unwrap().is_none());
    assert!(maps.get_opt("grandchild").await.unwrap().is_none());
}

#[tokio::test]
async fn a_deleted_namespace_empties_then_goes() {
    use k8s_openapi::api::core::v1::Namespace;
    let (_server, client) = serve(Config::default()).await;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let namespace = serde_json::from_value(json!({"metadata": {"name": "doomed"}})).unwrap();
    namespaces
        .create(&PostParams::default(), &namespace)
        .await
        .unwrap();
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "doomed");
    maps.create(&PostParams::default(), &config_map("inside", "1"))
        .await
        .unwrap();
    let kept: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    kept.create(&PostParams::default(), &config_map("outside", "1"))
        .await
        .unwrap();
    namespaces
        .delete("doomed", &DeleteParams::default())
        .await
        .unwrap();
    wait_for(|| async {
        namespaces
            .get_opt("doomed")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    assert!(maps.get_opt("inside").await.unwrap().is_none());
    assert!(kept.get_opt("outside").await.unwrap().is_some());
}

async fn wait_for<T, F, Fut>(mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
