//! Which resource a URL path names, parsed the way kube-apiserver's RequestInfoFactory does.

/// The resource part of a request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// API group, "" for core.
    pub group: String,
    /// API version.
    pub version: String,
    /// Namespace from the path, if any.
    pub namespace: Option<String>,
    /// Plural resource name.
    pub resource: String,
    /// Object name, if the path names one.
    pub name: Option<String>,
    /// `status`, `log`, ... if the path names a subresource.
    pub subresource: Option<String>,
    /// The deprecated `/watch/` path prefix was used.
    pub watch_prefix: bool,
}

/// Subresources of a namespace, which a path like `namespaces/x/status` names.
const NAMESPACE_SUBRESOURCES: &[&str] = &["status", "finalize"];

/// Parses `/api/v1/...` and `/apis/<group>/<version>/...`; `None` when the path names no
/// resource (discovery paths, unknown prefixes).
pub fn parse(path: &str) -> Option<Target> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match parts.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let (watch_prefix, mut rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        rest => (false, rest),
    };
    if rest.is_empty() || rest[0].is_empty() {
        return None;
    }
    let mut namespace = None;
    if rest[0] == "namespaces" && rest.len() > 1 {
        namespace = Some(rest[1].to_owned());
        if rest.len() > 2 && !NAMESPACE_SUBRESOURCES.contains(&rest[2]) {
            rest = &rest[2..];
        }
    }
    let target = |name: Option<&&str>, sub: Option<&&str>| Target {
        group: group.to_owned(),
        version: version.to_owned(),
        namespace: namespace.clone(),
        resource: rest[0].to_owned(),
        name: name.map(|n| n.to_string()),
        subresource: sub.map(|s| s.to_string()),
        watch_prefix,
    };
    match rest {
        // `namespaces/<name>[/status]`: the namespace object itself
        ["namespaces", name, sub @ ..] => {
            let mut t = target(Some(name), sub.first());
            t.namespace = None;
            (sub.len() <= 1).then_some(t)
        }
        [_] => Some(target(None, None)),
        [_, name] => Some(target(Some(name), None)),
        [_, name, sub] => Some(target(Some(name), Some(sub))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(
        path: &str,
    ) -> (
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    ) {
        let t = parse(path).expect(path);
        (t.group, t.namespace, t.resource, t.name, t.subresource)
    }

    #[test]
    fn paths_name_resources_like_kube_apiserver() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            t("/api/v1/pods"),
            ("".into(), None, "pods".into(), None, None)
        );
        assert_eq!(
            t("/api/v1/namespaces/ns/pods"),
            ("".into(), s("ns"), "pods".into(), None, None)
        );
        assert_eq!(
            t("/api/v1/namespaces/ns/pods/p/log"),
            ("".into(), s("ns"), "pods".into(), s("p"), s("log"))
        );
        assert_eq!(
            t("/api/v1/namespaces"),
            ("".into(), None, "namespaces".into(), None, None)
        );
        assert_eq!(
            t("/api/v1/namespaces/ns"),
            ("".into(), None, "namespaces".into(), s("ns"), None)
        );
        assert_eq!(
            t("/api/v1/namespaces/ns/status"),
            ("".into(), None, "namespaces".into(), s("ns"), s("status"))
        );
        assert_eq!(
            t("/apis/dbmigrate.dev/v1alpha1/namespaces/a/databasemigrations/m/status"),
            (
                "dbmigrate.dev".into(),
                s("a"),
                "databasemigrations".into(),
                s("m"),
                s("status")
            )
        );
        assert!(
            parse("/api/v1/watch/namespaces/a/pods")
                .unwrap()
                .watch_prefix
        );
        assert_eq!(parse("/apis/batch/v1"), None);
        assert_eq!(parse("/version"), None);
    }
}
