//! Sorter behaviour, for both orderings where it does not depend on the order: membership,
//! hierarchy bookkeeping, passes; and DRF's order itself (shares, ties, weights, exclusions).

use resources::{Resources, Role};

use super::*;
use crate::quantities::ResourceNames;

fn quantities(text: &str, names: &mut ResourceNames) -> Quantities {
    let resources = Resources::parse(text, &Role::star()).expect("valid resources");
    Quantities::from_all(&resources, names)
}

fn drf(total: &str, names: &mut ResourceNames) -> DrfSorter {
    let mut sorter = DrfSorter::new(&SorterOptions::default());
    sorter.add_to_total(&quantities(total, names));
    sorter
}

fn add_active<S: Sorter>(sorter: &mut S, path: &str) -> ClientId {
    let client = sorter.add(path).expect("new client");
    sorter.activate(client);
    client
}

fn paths<S: Sorter>(sorter: &mut S) -> Vec<String> {
    let order = sorter.sort();
    order.iter().map(|c| sorter.path(*c).to_string()).collect()
}

#[test]
fn drf_orders_by_dominant_share() {
    let mut names = ResourceNames::new();
    let mut sorter = drf("cpus:100;mem:100", &mut names);
    let a = add_active(&mut sorter, "a");
    let b = add_active(&mut sorter, "b");
    sorter.allocated(a, &quantities("cpus:5;mem:5", &mut names));
    sorter.allocated(b, &quantities("cpus:10;mem:1", &mut names));
    assert_eq!(paths(&mut sorter), ["a", "b"]);
    // a: 15% of cpus now, above b's 10%: the incremental path must reorder.
    sorter.allocated(a, &quantities("cpus:10", &mut names));
    assert_eq!(paths(&mut sorter), ["b", "a"]);
    assert!((sorter.dominant_share(a) - 0.15).abs() < 1e-12);
    // Unallocating marks the tree dirty; the next pass resorts.
    sorter.unallocated(a, &quantities("cpus:14", &mut names));
    assert_eq!(paths(&mut sorter), ["a", "b"]);
}

#[test]
fn drf_breaks_ties_by_allocation_count_then_path() {
    let mut names = ResourceNames::new();
    let mut sorter = drf("cpus:10", &mut names);
    let b = add_active(&mut sorter, "b");
    let _a = add_active(&mut sorter, "a");
    assert_eq!(paths(&mut sorter), ["a", "b"]);
    // An empty allocation changes no share but counts as an allocation.
    sorter.allocated(b, &Quantities::new());
    let a = sorter.lookup("a").expect("a");
    sorter.allocated(a, &Quantities::new());
    sorter.allocated(a, &Quantities::new());
    assert_eq!(paths(&mut sorter), ["b", "a"]);
}

#[test]
fn drf_weights_divide_shares_and_exclusions_are_ignored() {
    let mut names = ResourceNames::new();
    let gpus = names.intern("gpus");
    let mut sorter = DrfSorter::new(&SorterOptions {
        excluded_names: vec![gpus],
        seed: 0,
    });
    sorter.add_to_total(&quantities("cpus:100;gpus:10", &mut names));
    let heavy = add_active(&mut sorter, "heavy");
    let light = add_active(&mut sorter, "light");
    sorter.allocated(heavy, &quantities("cpus:30", &mut names));
    sorter.allocated(light, &quantities("cpus:20;gpus:10", &mut names));
    // gpus are excluded: light's share is 20%, heavy's 30%.
    assert_eq!(paths(&mut sorter), ["light", "heavy"]);
    sorter.update_weight("heavy", 2.0);
    // heavy's share is now 15%.
    assert_eq!(paths(&mut sorter), ["heavy", "light"]);
    assert!((sorter.dominant_share(heavy) - 0.15).abs() < 1e-12);
}

#[test]
fn drf_sorts_each_level_of_a_hierarchy_and_counts_subtrees() {
    let mut names = ResourceNames::new();
    let mut sorter = drf("cpus:100", &mut names);
    let ax = add_active(&mut sorter, "a/x");
    let ay = add_active(&mut sorter, "a/y");
    let b = add_active(&mut sorter, "b");
    sorter.allocated(ax, &quantities("cpus:10", &mut names));
    sorter.allocated(ay, &quantities("cpus:5", &mut names));
    sorter.allocated(b, &quantities("cpus:12", &mut names));
    // Level one: b (12) before a (15); inside a: y before x.
    assert_eq!(paths(&mut sorter), ["b", "a/y", "a/x"]);
    // A role that is also a parent becomes a virtual leaf next to its children.
    let a = add_active(&mut sorter, "a");
    sorter.allocated(a, &quantities("cpus:1", &mut names));
    assert_eq!(paths(&mut sorter), ["b", "a", "a/y", "a/x"]);
    assert_eq!(sorter.allocation(a), &quantities("cpus:1", &mut names));
    assert_eq!(
        sorter.total_allocation(),
        &quantities("cpus:28", &mut names)
    );
    // Removing the children turns `a` back into a plain leaf that keeps its allocation.
    sorter.remove(ax);
    sorter.remove(ay);
    assert_eq!(sorter.allocation(a), &quantities("cpus:1", &mut names));
    assert_eq!(
        sorter.total_allocation(),
        &quantities("cpus:13", &mut names)
    );
    assert_eq!(paths(&mut sorter), ["a", "b"]);
    assert_eq!(sorter.len(), 2);
}

#[test]
fn inactive_clients_are_skipped_but_their_allocation_counts() {
    let mut names = ResourceNames::new();
    let mut sorter = drf("cpus:100", &mut names);
    let ax = add_active(&mut sorter, "a/x");
    let ay = add_active(&mut sorter, "a/y");
    let b = add_active(&mut sorter, "b");
    sorter.deactivate(ay);
    sorter.allocated(ay, &quantities("cpus:50", &mut names));
    sorter.allocated(b, &quantities("cpus:10", &mut names));
    assert_eq!(paths(&mut sorter), ["b", "a/x"]);
    assert!(!sorter.is_active(ay));
    assert_eq!(sorter.active_len(), 2);
    sorter.activate(ay);
    assert_eq!(paths(&mut sorter), ["b", "a/x", "a/y"]);
    let _ = ax;
}

fn pass_visits_each_active_client_once<S: Sorter>() {
    let mut names = ResourceNames::new();
    let mut sorter = S::new(&SorterOptions::default());
    sorter.add_to_total(&quantities("cpus:1000", &mut names));
    let mut clients = Vec::new();
    for role in ["a", "b/c", "b/d", "b", "e/f/g", "h"] {
        clients.push(add_active(&mut sorter, role));
    }
    let one = quantities("cpus:1", &mut names);
    for round in 0..20 {
        sorter.begin_pass();
        let mut seen = Vec::new();
        while let Some(client) = sorter.next_in_pass() {
            assert!(!seen.contains(&client), "round {round}: {client:?} twice");
            seen.push(client);
            // Allocating during the pass moves the client (and its ancestors) right.
            for _ in 0..=(client.index() % 3) {
                sorter.allocated(client, &one);
            }
        }
        seen.sort();
        let mut expected = clients.clone();
        expected.sort();
        assert_eq!(seen, expected, "round {round}");
    }
}

#[test]
fn drf_pass_visits_each_active_client_once_while_reordering() {
    pass_visits_each_active_client_once::<DrfSorter>();
}

#[test]
fn random_pass_visits_each_active_client_once() {
    pass_visits_each_active_client_once::<RandomSorter>();
}

#[test]
fn drf_pass_matches_the_order_at_its_start() {
    let mut names = ResourceNames::new();
    let mut sorter = drf("cpus:100", &mut names);
    let order: Vec<ClientId> = (0..50)
        .map(|i| add_active(&mut sorter, &format!("c{i:02}")))
        .collect();
    let expected = sorter.sort();
    assert_eq!(expected, order);
    sorter.begin_pass();
    let mut seen = Vec::new();
    while let Some(client) = sorter.next_in_pass() {
        seen.push(client);
        sorter.allocated(client, &quantities("cpus:1", &mut names));
    }
    assert_eq!(seen, expected);
    // Everyone has one cpu and one allocation now: the order is by path again.
    assert_eq!(sorter.sort(), expected);
}

#[test]
fn random_sorter_follows_weights() {
    let mut names = ResourceNames::new();
    let mut sorter = RandomSorter::new(&SorterOptions {
        excluded_names: Vec::new(),
        seed: 42,
    });
    sorter.add_to_total(&quantities("cpus:10", &mut names));
    let heavy = add_active(&mut sorter, "heavy");
    let _light = add_active(&mut sorter, "light");
    sorter.update_weight("heavy", 9.0);
    let first_heavy = (0..2000)
        .filter(|_| sorter.sort().first() == Some(&heavy))
        .count();
    // Heavy comes first with probability 0.9.
    assert!((1700..1900).contains(&first_heavy), "{first_heavy}");
}

#[test]
fn bad_paths_and_duplicates_are_errors() {
    let mut sorter = DrfSorter::new(&SorterOptions::default());
    assert!(matches!(sorter.add(""), Err(SorterError::InvalidPath(_))));
    assert!(matches!(
        sorter.add("a//b"),
        Err(SorterError::InvalidPath(_))
    ));
    assert!(matches!(
        sorter.add("a/."),
        Err(SorterError::InvalidPath(_))
    ));
    sorter.add("a").expect("new");
    assert!(matches!(
        sorter.add("a"),
        Err(SorterError::DuplicateClient(_))
    ));
    // Calls with a removed client are ignored.
    let b = sorter.add("b").expect("new");
    sorter.remove(b);
    sorter.activate(b);
    sorter.allocated(b, &Quantities::new());
    assert_eq!(sorter.allocation(b), &Quantities::new());
    assert_eq!(sorter.len(), 1);
}
