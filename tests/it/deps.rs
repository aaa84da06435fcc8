//! The dependency table of ARCHITECTURE.md, enforced: a crate that gains a forbidden edge fails here.

use std::{collections::BTreeMap, fs};

use super::tidy::workspace_root;

/// Our crates and the workspace crates each may depend on (normal and build dependencies).
/// Keep in step with the table in ARCHITECTURE.md.
const ALLOWED: &[(&str, &[&str])] = &[
    ("libprocess", &[]),
    ("proto", &[]),
    ("resources", &["proto"]),
    ("common", &["libprocess", "proto", "resources"]),
    ("detector", &["libprocess", "proto"]),
    ("allocator", &["libprocess", "proto", "resources"]),
    (
        "containerizer",
        &["libprocess", "proto", "resources", "common"],
    ),
    (
        "master",
        &[
            "libprocess",
            "proto",
            "resources",
            "common",
            "allocator",
            "detector",
        ],
    ),
    (
        "agent",
        &[
            "libprocess",
            "proto",
            "resources",
            "common",
            "containerizer",
            "detector",
        ],
    ),
    ("executor", &["libprocess", "proto", "resources", "common"]),
    (
        "scheduler",
        &["libprocess", "proto", "resources", "common", "detector"],
    ),
    (
        "cli",
        &[
            "libprocess",
            "proto",
            "resources",
            "common",
            "detector",
            "scheduler",
        ],
    ),
    (
        "local",
        &[
            "libprocess",
            "proto",
            "resources",
            "common",
            "allocator",
            "containerizer",
            "detector",
            "master",
            "agent",
        ],
    ),
    (
        "testkit",
        &[
            "libprocess",
            "proto",
            "resources",
            "common",
            "allocator",
            "containerizer",
            "detector",
            "master",
            "agent",
            "executor",
        ],
    ),
    // Test code: may use any crate, testkit included.
    ("tests", &[]),
    ("benches", &[]),
];

/// Third-party crates that only one of our crates may name.
const CONFINED: &[(&str, &[&str])] = &[
    ("actix", &["libprocess"]),
    ("actix-rt", &["libprocess"]),
    ("zookeeper-client", &["detector"]),
    ("cgroups-rs", &["containerizer"]),
];

struct Manifest {
    name: String,
    /// Dependency name -> section it appears in.
    deps: BTreeMap<String, String>,
}

fn manifests() -> Vec<Manifest> {
    let root = workspace_root();
    let workspace: toml::Table = fs::read_to_string(root.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let members = workspace["workspace"]["members"].as_array().unwrap();
    members
        .iter()
        .map(|member| {
            let dir = member.as_str().unwrap();
            let text = fs::read_to_string(root.join(dir).join("Cargo.toml")).unwrap();
            let table: toml::Table = text.parse().unwrap();
            let name = table["package"]["name"].as_str().unwrap().to_string();
            assert_eq!(name, dir, "crate folders are named as the crate");
            let mut deps = BTreeMap::new();
            for section in ["dependencies", "build-dependencies", "dev-dependencies"] {
                if let Some(entries) = table.get(section).and_then(|s| s.as_table()) {
                    for key in entries.keys() {
                        deps.insert(key.clone(), section.to_string());
                    }
                }
            }
            Manifest { name, deps }
        })
        .collect()
}

#[test]
fn every_member_is_in_the_table() {
    for manifest in manifests() {
        assert!(
            ALLOWED.iter().any(|(name, _)| *name == manifest.name),
            "crate `{}` is missing from ALLOWED (and from ARCHITECTURE.md's codemap)",
            manifest.name
        );
    }
}

#[test]
fn workspace_edges_point_only_where_the_table_allows() {
    let ours: Vec<&str> = ALLOWED.iter().map(|(name, _)| *name).collect();
    let mut violations = Vec::new();
    for manifest in manifests() {
        let allowed = ALLOWED
            .iter()
            .find(|(name, _)| *name == manifest.name)
            .unwrap()
            .1;
        let test_code = matches!(manifest.name.as_str(), "tests" | "benches");
        for (dep, section) in &manifest.deps {
            if !ours.contains(&dep.as_str()) || test_code {
                continue;
            }
            // testkit is test support: never a normal dependency of a production crate.
            let ok = if section == "dev-dependencies" {
                allowed.contains(&dep.as_str()) || dep == "testkit"
            } else {
                allowed.contains(&dep.as_str()) && dep != "testkit"
            };
            if !ok {
                violations.push(format!("{} -> {} ({section})", manifest.name, dep));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "forbidden dependency edges: {violations:#?}"
    );
}

#[test]
fn confined_crates_stay_in_their_crate() {
    let mut violations = Vec::new();
    for manifest in manifests() {
        for (dep, owners) in CONFINED {
            if manifest.deps.contains_key(*dep) && !owners.contains(&manifest.name.as_str()) {
                violations.push(format!(
                    "{} uses {dep}, which only {owners:?} may",
                    manifest.name
                ));
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}
