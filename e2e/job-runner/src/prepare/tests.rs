//! Unit tests of [`super`] from inline YAML.
use std::path::Path;

use super::*;

fn pod(yaml: &str) -> Pod {
    serde_yaml::from_str(yaml).unwrap()
}

const POD: &str = r#"
metadata: {name: p1, namespace: ns1, uid: u-1, labels: {app: x}, annotations: {note: hi}}
spec:
  nodeName: job-runner
  serviceAccountName: sa
  containers:
  - name: main
    image: dbmigrate:dev
    command: ["dbmigrate", "--url=$(DB_URL)", "$$(LITERAL)", "$(UNDEFINED)"]
    args: ["$(POD)"]
    envFrom:
    - configMapRef: {name: cm}
      prefix: CM_
    - secretRef: {name: absent, optional: true}
    env:
    - {name: HOST, value: db}
    - {name: DB_URL, value: "postgres://$(HOST)/$(CM_db)?x=$(LATER)"}
    - {name: LATER, value: late}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: s, key: password}}
    - name: OPT
      valueFrom: {secretKeyRef: {name: s, key: nope, optional: true}}
    - name: POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: APP
      valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}
    - name: NODE
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    - name: IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
"#;

fn refs() -> Refs {
    let mut r = Refs::default();
    r.config_maps.insert(
        "cm".into(),
        Some(BTreeMap::from([("db".into(), b"app".to_vec())])),
    );
    r.secrets.insert(
        "s".into(),
        Some(BTreeMap::from([("password".into(), b"pw".to_vec())])),
    );
    r.secrets.insert("absent".into(), None);
    r
}

fn images() -> Images {
    Images::parse(
        Path::new("/cfg.yaml"),
        "images: [{image: 'dbmigrate:*', executables: {dbmigrate: /bin/dbm}, user: 0}]",
    )
    .unwrap()
}

#[test]
fn expansion_like_kubelet() {
    let l = |n: &str| (n == "A").then(|| "x".to_string());
    assert_eq!(expand("$(A)-$(B)", &l), "x-$(B)");
    assert_eq!(expand("$$(A)", &l), "$(A)");
    assert_eq!(expand("$$$(A)", &l), "$x");
    assert_eq!(expand("a$", &l), "a$");
    assert_eq!(expand("$(A", &l), "$(A");
    assert_eq!(expand("$A ${A} é$é", &l), "$A ${A} é$é");
    assert_eq!(expand("", &l), "");
}

#[test]
fn env_and_command() {
    let p = pod(POD);
    let c = &p.spec.as_ref().unwrap().containers[0];
    let prepared = prepare(&p, c, &images(), &refs(), &[]).unwrap();
    let env: BTreeMap<_, _> = prepared.env.iter().cloned().collect();
    assert_eq!(env["CM_db"], "app");
    assert_eq!(env["DB_URL"], "postgres://db/app?x=$(LATER)");
    assert_eq!(env["PASSWORD"], "pw");
    assert!(!env.contains_key("OPT"));
    assert_eq!(env["POD"], "p1");
    assert_eq!(env["APP"], "x");
    assert_eq!(env["NODE"], "job-runner");
    assert_eq!(env["IP"], "127.0.0.1");
    assert_eq!(prepared.command.program, Path::new("/bin/dbm"));
    assert_eq!(
        prepared.command.args,
        [
            "--url=postgres://db/app?x=$(LATER)",
            "$(LITERAL)",
            "$(UNDEFINED)",
            "p1"
        ]
    );
    assert_eq!(prepared.uid, None);
}

#[test]
fn missing_references_use_kubelet_messages() {
    let p = pod(POD);
    let c = &p.spec.as_ref().unwrap().containers[0];
    let mut r = refs();
    r.secrets.insert("s".into(), None);
    assert_eq!(
        resolve_env(&p, c, &r).unwrap_err().to_string(),
        "secret \"s\" not found"
    );
    r.secrets.insert("s".into(), Some(BTreeMap::new()));
    assert_eq!(
        resolve_env(&p, c, &r).unwrap_err().to_string(),
        "couldn't find key password in Secret ns1/s"
    );
    let mut r = refs();
    r.config_maps.remove("cm");
    assert_eq!(
        resolve_env(&p, c, &r).unwrap_err().to_string(),
        "configmap \"cm\" not found"
    );
    let (secrets, cms) = referenced(&p);
    assert_eq!(secrets.into_iter().collect::<Vec<_>>(), ["absent", "s"]);
    assert_eq!(cms.into_iter().collect::<Vec<_>>(), ["cm"]);
}

#[test]
fn run_as_non_root() {
    let mut p = pod(POD);
    p.spec.as_mut().unwrap().security_context =
        Some(serde_yaml::from_str("{runAsNonRoot: true}").unwrap());
    let c = p.spec.as_ref().unwrap().containers[0].clone();
    assert_eq!(
        prepare(&p, &c, &images(), &refs(), &[])
            .unwrap_err()
            .to_string(),
        "container has runAsNonRoot and image will run as root (pod: \"p1_ns1(u-1)\", container: main)"
    );
    let non_root_image = Images::parse(
        Path::new("/cfg.yaml"),
        "images: [{image: '*', executables: {dbmigrate: /bin/dbm}, user: 65532}]",
    )
    .unwrap();
    let ok = prepare(&p, &c, &non_root_image, &refs(), &[]).unwrap();
    assert_eq!(ok.uid, Some(65532));
    let mut c2 = c.clone();
    c2.security_context = Some(serde_yaml::from_str("{runAsUser: 1000, runAsGroup: 7}").unwrap());
    let ok = prepare(&p, &c2, &images(), &refs(), &[]).unwrap();
    assert_eq!((ok.uid, ok.gid), (Some(1000), Some(7)));
}

#[test]
fn the_images_env_comes_first_and_the_containers_wins() {
    let images = Images::parse(
        Path::new("/cfg.yaml"),
        "images: [{image: 'dbmigrate:*', executables: {dbmigrate: /bin/dbm}, \
         env: {PATH: /image/bin, LANG: C.UTF-8, HOST: image}}]",
    )
    .unwrap();
    let p = pod(POD);
    let c = &p.spec.as_ref().unwrap().containers[0];
    let prepared = prepare(&p, c, &images, &refs(), &[]).unwrap();
    let names: Vec<&str> = prepared.env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names[..2], ["LANG", "PATH"], "the image's first");
    let env: BTreeMap<_, _> = prepared.env.iter().cloned().collect();
    assert_eq!(env["HOST"], "db", "the container's own value wins");
    assert_eq!(env["PATH"], "/image/bin");
}
