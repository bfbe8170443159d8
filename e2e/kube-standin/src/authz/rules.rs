//! Whether one RBAC `PolicyRule` allows a request: `RuleAllows` of
//! plugin/pkg/auth/authorizer/rbac/rbac.go with the matchers of
//! pkg/apis/rbac/v1/evaluation_helpers.go (`*` verbs, groups and resources, `*/subresource`,
//! `resource/subresource`, resourceNames, nonResourceURLs with a trailing `*`).

use k8s_openapi::api::rbac::v1::PolicyRule;

use super::attributes::Attributes;

const ALL: &str = "*";

/// `RuleAllows`: whether `rule` allows the request `attributes` describes.
pub fn rule_allows(attributes: &Attributes, rule: &PolicyRule) -> bool {
    if !verb_matches(rule, &attributes.verb) {
        return false;
    }
    if !attributes.resource_request {
        return non_resource_url_matches(rule, &attributes.path);
    }
    let combined = if attributes.subresource.is_empty() {
        attributes.resource.clone()
    } else {
        format!("{}/{}", attributes.resource, attributes.subresource)
    };
    api_group_matches(rule, &attributes.api_group)
        && resource_matches(rule, &combined, &attributes.subresource)
        && resource_name_matches(rule, &attributes.name)
}

fn listed(values: &Option<Vec<String>>) -> &[String] {
    values.as_deref().unwrap_or_default()
}

fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == ALL || v == verb)
}

fn api_group_matches(rule: &PolicyRule, group: &str) -> bool {
    listed(&rule.api_groups)
        .iter()
        .any(|g| g == ALL || g == group)
}

fn resource_matches(rule: &PolicyRule, combined: &str, subresource: &str) -> bool {
    listed(&rule.resources).iter().any(|r| {
        r == ALL
            || r == combined
            || (!subresource.is_empty() && r.strip_prefix("*/") == Some(subresource))
    })
}

/// An empty `resourceNames` allows every name; else the request must name one of them (a
/// list, watch, create or deletecollection without a name never matches).
fn resource_name_matches(rule: &PolicyRule, name: &str) -> bool {
    let names = listed(&rule.resource_names);
    names.is_empty() || names.iter().any(|n| n == name)
}

fn non_resource_url_matches(rule: &PolicyRule, path: &str) -> bool {
    listed(&rule.non_resource_urls).iter().any(|url| {
        url == ALL
            || url == path
            || (url.ends_with('*') && path.starts_with(url.trim_end_matches('*')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Params;
    use crate::request::RequestInfo;

    fn rule(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
        let list = |v: &[&str]| (!v.is_empty()).then(|| v.iter().map(|s| s.to_string()).collect());
        PolicyRule {
            verbs: verbs.iter().map(|s| s.to_string()).collect(),
            api_groups: list(groups),
            resources: list(resources),
            resource_names: list(names),
            non_resource_urls: None,
        }
    }

    fn urls(verbs: &[&str], urls: &[&str]) -> PolicyRule {
        PolicyRule {
            verbs: verbs.iter().map(|s| s.to_string()).collect(),
            non_resource_urls: Some(urls.iter().map(|s| s.to_string()).collect()),
            ..PolicyRule::default()
        }
    }

    /// The attributes of a real request (method and path as a client sends them).
    fn request(method: &str, path_and_query: &str) -> Attributes {
        let (path, query) = path_and_query
            .split_once('?')
            .map_or((path_and_query, None), |(p, q)| (p, Some(q)));
        Attributes::from(&RequestInfo::new(method, path, &Params::parse(query)))
    }

    #[test]
    fn each_request_shape_needs_its_own_verb() {
        let jobs = "/apis/batch/v1/namespaces/forum/jobs";
        let cases = [
            ("GET", format!("{jobs}/j"), "get"),
            ("GET", jobs.to_owned(), "list"),
            ("GET", format!("{jobs}?watch=true"), "watch"),
            (
                "GET",
                "/apis/batch/v1/watch/namespaces/forum/jobs".to_owned(),
                "watch",
            ),
            ("POST", jobs.to_owned(), "create"),
            ("PUT", format!("{jobs}/j"), "update"),
            ("PATCH", format!("{jobs}/j"), "patch"),
            ("DELETE", format!("{jobs}/j"), "delete"),
            ("DELETE", jobs.to_owned(), "deletecollection"),
        ];
        let verbs = [
            "get",
            "list",
            "watch",
            "create",
            "update",
            "patch",
            "delete",
            "deletecollection",
        ];
        for (method, path, verb) in &cases {
            let attributes = request(method, path);
            for other in verbs {
                assert_eq!(
                    rule_allows(&attributes, &rule(&[other], &["batch"], &["jobs"], &[])),
                    other == *verb,
                    "{method} {path} with a rule for {other}"
                );
            }
            assert!(rule_allows(
                &attributes,
                &rule(&["*"], &["batch"], &["jobs"], &[])
            ));
        }
    }

    #[test]
    fn groups_and_resources_match_exactly_or_by_wildcard() {
        let create_job = request("POST", "/apis/batch/v1/namespaces/forum/jobs");
        let cases: &[(PolicyRule, bool)] = &[
            (rule(&["create"], &["batch"], &["jobs"], &[]), true),
            (rule(&["create"], &["*"], &["jobs"], &[]), true),
            (rule(&["create"], &["batch"], &["*"], &[]), true),
            (rule(&["create"], &[""], &["jobs"], &[]), false),
            (rule(&["create"], &["apps"], &["jobs"], &[]), false),
            (rule(&["create"], &["batch"], &["cronjobs"], &[]), false),
            (rule(&["create"], &["batch"], &["jobs/status"], &[]), false),
            (rule(&["create"], &["batch"], &[], &[]), false),
            (rule(&["create"], &[], &["jobs"], &[]), false),
        ];
        for (i, (rule, allowed)) in cases.iter().enumerate() {
            assert_eq!(
                rule_allows(&create_job, rule),
                *allowed,
                "case {i}: {rule:?}"
            );
        }
    }

    #[test]
    fn subresources_need_their_own_rule() {
        let status = request(
            "PATCH",
            "/apis/dbmigrate.dev/v1alpha1/namespaces/a/databasemigrations/m/status",
        );
        let g = &["dbmigrate.dev"];
        let cases: &[(PolicyRule, bool)] = &[
            (rule(&["patch"], g, &["databasemigrations"], &[]), false),
            (
                rule(&["patch"], g, &["databasemigrations/status"], &[]),
                true,
            ),
            (rule(&["patch"], g, &["*/status"], &[]), true),
            (rule(&["patch"], g, &["*/finalizers"], &[]), false),
            (rule(&["patch"], g, &["*"], &[]), true),
            (rule(&["patch"], g, &["databasemigrations/*"], &[]), false),
        ];
        for (i, (rule, allowed)) in cases.iter().enumerate() {
            assert_eq!(rule_allows(&status, rule), *allowed, "case {i}: {rule:?}");
        }
        let main = request(
            "PATCH",
            "/apis/dbmigrate.dev/v1alpha1/namespaces/a/databasemigrations/m",
        );
        assert!(!rule_allows(
            &main,
            &rule(&["patch"], g, &["*/status"], &[])
        ));
        let token = request("POST", "/api/v1/namespaces/a/serviceaccounts/sa/token");
        assert!(rule_allows(
            &token,
            &rule(&["create"], &[""], &["serviceaccounts/token"], &[])
        ));
        assert!(!rule_allows(
            &token,
            &rule(&["create"], &[""], &["serviceaccounts"], &[])
        ));
    }

    #[test]
    fn resource_names_allow_only_requests_that_name_the_object() {
        let named = rule(&["*"], &[""], &["configmaps"], &["forum-config"]);
        let cm = "/api/v1/namespaces/a/configmaps";
        let cases = [
            ("GET", format!("{cm}/forum-config"), true),
            ("GET", format!("{cm}/other"), false),
            ("PUT", format!("{cm}/forum-config"), true),
            ("DELETE", format!("{cm}/forum-config"), true),
            // list and watch are allowed only with a metadata.name field selector
            ("GET", cm.to_owned(), false),
            (
                "GET",
                format!("{cm}?fieldSelector=metadata.name%3Dforum-config"),
                true,
            ),
            (
                "GET",
                format!("{cm}?watch=1&fieldSelector=metadata.name%3Dforum-config"),
                true,
            ),
            (
                "GET",
                format!("{cm}?watch=1&fieldSelector=metadata.name%3Dother"),
                false,
            ),
            // create and deletecollection carry no name
            ("POST", cm.to_owned(), false),
            ("DELETE", cm.to_owned(), false),
        ];
        for (method, path, allowed) in &cases {
            assert_eq!(
                rule_allows(&request(method, path), &named),
                *allowed,
                "{method} {path}"
            );
        }
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_prefix() {
        let discovery = urls(&["get"], &["/api", "/api/*", "/version"]);
        let cases = [
            ("GET", "/api", true),
            ("GET", "/api/v1", true),
            ("GET", "/apis", false),
            ("GET", "/version", true),
            ("GET", "/version/", false),
            ("POST", "/api", false),
            ("GET", "/healthz", false),
        ];
        for (method, path, allowed) in cases {
            assert_eq!(
                rule_allows(&request(method, path), &discovery),
                allowed,
                "{method} {path}"
            );
        }
        assert!(rule_allows(
            &request("GET", "/metrics"),
            &urls(&["*"], &["*"])
        ));
        // a resource rule never allows a path, a URL rule never allows a resource
        assert!(!rule_allows(
            &request("GET", "/version"),
            &rule(&["*"], &["*"], &["*"], &[])
        ));
        assert!(!rule_allows(
            &request("GET", "/api/v1/pods"),
            &urls(&["*"], &["*"])
        ));
    }
}
