//! Orders resources by `dependsOn`: dependencies first, input order otherwise.

use std::collections::BTreeMap;

use super::bundle::ResourceId;
use super::error::ManifestError;

/// Returns the indices of `nodes` in run order. `nodes` holds each resource with the ids it
/// depends on; a dependency not among the nodes or a cycle is an error naming them.
pub fn run_order(nodes: &[(ResourceId, Vec<ResourceId>)]) -> Result<Vec<usize>, ManifestError> {
    let index: BTreeMap<&ResourceId, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id, i))
        .collect();
    let mut edges = Vec::with_capacity(nodes.len());
    for (id, deps) in nodes {
        let mut resolved = Vec::with_capacity(deps.len());
        for dep in deps {
            let Some(&target) = index.get(dep) else {
                return Err(ManifestError::MissingReference {
                    resource: id.to_string(),
                    missing: format!("dependency {dep}"),
                    hint:
                        "add it to the manifests you pass with -f, or remove it from spec.dependsOn"
                            .into(),
                });
            };
            resolved.push(target);
        }
        edges.push(resolved);
    }
    let mut state = vec![Visit::New; nodes.len()];
    let mut order = Vec::with_capacity(nodes.len());
    for start in 0..nodes.len() {
        let mut path = Vec::new();
        visit(start, &edges, &mut state, &mut order, &mut path).map_err(|cycle| {
            ManifestError::Cycle {
                chain: cycle.iter().map(|&i| nodes[i].0.to_string()).collect(),
            }
        })?;
    }
    Ok(order)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    InProgress,
    Done,
}

/// Depth-first: a node is emitted after all its dependencies; returns the cycle on one.
fn visit(
    node: usize,
    edges: &[Vec<usize>],
    state: &mut [Visit],
    order: &mut Vec<usize>,
    path: &mut Vec<usize>,
) -> Result<(), Vec<usize>> {
    match state[node] {
        Visit::Done => return Ok(()),
        Visit::InProgress => {
            let start = path.iter().position(|&n| n == node).unwrap_or(0);
            let mut cycle = path[start..].to_vec();
            cycle.push(node);
            return Err(cycle);
        }
        Visit::New => {}
    }
    state[node] = Visit::InProgress;
    path.push(node);
    for &dep in &edges[node] {
        visit(dep, edges, state, order, path)?;
    }
    path.pop();
    state[node] = Visit::Done;
    order.push(node);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::bundle::ResourceKind;

    fn id(kind: ResourceKind, name: &str) -> ResourceId {
        ResourceId {
            kind,
            namespace: "default".into(),
            name: name.into(),
        }
    }

    fn migration(name: &str) -> ResourceId {
        id(ResourceKind::DatabaseMigration, name)
    }

    fn sync(name: &str) -> ResourceId {
        id(ResourceKind::ConfigSync, name)
    }

    #[test]
    fn dependencies_run_first_and_input_order_is_kept_otherwise() {
        let nodes = vec![
            (sync("forums"), vec![migration("schema")]),
            (migration("data"), vec![migration("schema")]),
            (migration("schema"), vec![]),
            (sync("themes"), vec![migration("schema"), sync("forums")]),
            (migration("other"), vec![]),
        ];
        let order = run_order(&nodes).expect("acyclic");
        let names: Vec<&str> = order.iter().map(|&i| nodes[i].0.name.as_str()).collect();
        assert_eq!(names, ["schema", "forums", "data", "themes", "other"]);
    }

    #[test]
    fn reports_the_cycle() {
        let nodes = vec![
            (migration("a"), vec![migration("b")]),
            (migration("b"), vec![sync("c")]),
            (sync("c"), vec![migration("a")]),
        ];
        let error = run_order(&nodes).expect_err("cycle");
        assert_eq!(
            error.to_string(),
            "dependsOn forms a cycle: DatabaseMigration default/a -> DatabaseMigration default/b -> ConfigSync default/c -> DatabaseMigration default/a; remove one of these dependencies"
        );
        let self_loop = vec![(migration("a"), vec![migration("a")])];
        assert!(matches!(
            run_order(&self_loop),
            Err(ManifestError::Cycle { .. })
        ));
    }

    #[test]
    fn names_a_missing_dependency() {
        let nodes = vec![(sync("forums"), vec![migration("schema")])];
        let error = run_order(&nodes).expect_err("missing");
        assert!(
            error.to_string().contains(
                "ConfigSync default/forums: dependency DatabaseMigration default/schema not found"
            ),
            "{error}"
        );
    }
}
