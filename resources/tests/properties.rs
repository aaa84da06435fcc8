//! Property tests: the algebra of `Resources` (identity, containment, commutativity,
//! associativity, nothing negative), round trips through every written form, and the parsers
//! over random input (the same entry point as the fuzz target).

mod common;

use proptest::prelude::*;
use resources::{
    Range, Ranges, ReservationInfo, Resource, ResourceFormat, Resources, Role, Scalar, Set,
    ValueType, parse_everything, parse_json, to_json,
};

fn role_names() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["*", "a", "a/b", "b"])
}

fn value(name: &'static str) -> BoxedStrategy<resources::Value> {
    match name {
        "ports" => prop::collection::vec((0u64..200, 0u64..20), 1..6)
            .prop_map(|pairs| {
                let ranges = pairs
                    .into_iter()
                    .map(|(begin, length)| Range::new(begin, begin + length));
                resources::Value::Ranges(Ranges::from_coalescing(ranges).expect("ordered"))
            })
            .boxed(),
        "bugs" => prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "d", "e"]), 1..4)
            .prop_map(|items| resources::Value::Set(Set::from_items(items)))
            .boxed(),
        _ => (1i64..100_000)
            .prop_map(|millis| resources::Value::Scalar(Scalar::from_millis(millis)))
            .boxed(),
    }
}

/// One resource from a small universe, so that generated sets overlap and merge.
fn resource(flag_form_only: bool) -> BoxedStrategy<Resource> {
    let names = prop::sample::select(vec!["cpus", "mem", "disk", "ports", "bugs"]);
    (
        names,
        role_names(),
        any::<bool>(),
        prop::option::of(role_names()),
        any::<bool>(),
    )
        .prop_flat_map(move |(name, role, revocable, allocation, refine)| {
            value(name).prop_map(move |value| {
                let mut resource = Resource::new(name, value);
                if role != "*" {
                    let role = Role::new(role).expect("valid");
                    resource = resource.reserved(ReservationInfo::static_for(role.clone()));
                    if refine && !flag_form_only {
                        let child = Role::new(&format!("{role}/x")).expect("valid");
                        resource =
                            resource.reserved(ReservationInfo::dynamic_for(child, Some("p")));
                    }
                }
                if !flag_form_only {
                    resource = resource.with_revocable(revocable);
                    if let Some(allocation) = allocation {
                        resource = resource.allocated_to(Role::new(allocation).expect("valid"));
                    }
                }
                resource
            })
        })
        .boxed()
}

fn resources_strategy(flag_form_only: bool) -> impl Strategy<Value = Resources> {
    prop::collection::vec(resource(flag_form_only), 0..8)
        .prop_map(|list| Resources::from_resources(list).expect("generated resources are valid"))
}

fn any_resources() -> impl Strategy<Value = Resources> {
    resources_strategy(false)
}

fn scalars_of(resources: &Resources) -> Resources {
    resources.scalars()
}

fn non_scalars_of(resources: &Resources) -> Resources {
    resources.filter(|resource| resource.value_type() != ValueType::Scalar)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn adding_then_subtracting_restores(a in any_resources(), b in any_resources()) {
        let round = &(&a + &b) - &b;
        // Scalars are amounts: b comes back out exactly.
        prop_assert_eq!(scalars_of(&round), scalars_of(&a));
        // Ranges and sets are sets of values: what b shares with a goes with it.
        prop_assert_eq!(non_scalars_of(&round), non_scalars_of(&(&a - &b)));
    }

    #[test]
    fn a_sum_contains_its_parts(a in any_resources(), b in any_resources()) {
        let sum = &a + &b;
        prop_assert!(sum.contains(&a));
        prop_assert!(sum.contains(&b));
        prop_assert!(a.contains(&a));
        prop_assert!(a.contains(&Resources::new()));
    }

    #[test]
    fn addition_commutes_and_associates(a in any_resources(), b in any_resources(), c in any_resources()) {
        prop_assert_eq!(&a + &b, &b + &a);
        prop_assert_eq!(&(&a + &b) + &c, &a + &(&b + &c));
        let mut in_place = a.clone();
        in_place += &b;
        prop_assert_eq!(in_place, &a + &b);
    }

    #[test]
    fn nothing_is_negative_or_empty(a in any_resources(), b in any_resources()) {
        let difference = &a - &b;
        prop_assert!(difference.iter().all(|resource| !resource.is_empty()));
        prop_assert!(a.contains(&difference));
        let sum = &a + &b;
        prop_assert!(sum.iter().all(|resource| !resource.is_empty()));
    }

    #[test]
    fn contained_subtraction_is_undone_by_addition(a in any_resources(), b in any_resources()) {
        let sum = &a + &b;
        prop_assert_eq!(&(&sum - &b) + &b, sum.clone());
        prop_assert_eq!(sum.checked_sub(&b), Some(&sum - &b));
        if !a.contains(&b) {
            prop_assert_eq!(a.checked_sub(&b), None);
        }
    }

    #[test]
    fn quantities_add_up(a in any_resources(), b in any_resources()) {
        let combined = &a.scalar_quantities() + &b.scalar_quantities();
        prop_assert_eq!((&a + &b).scalar_quantities(), combined);
        prop_assert!(a.contains_quantities(&a.quantities()));
        prop_assert!(a.quantities().contains(&a.scalar_quantities()));
    }

    #[test]
    fn flag_text_round_trips(a in resources_strategy(true)) {
        let text = a.to_text().expect("flag-form resources are writable");
        prop_assert_eq!(Resources::parse(&text, &Role::star()), Ok(a));
    }

    #[test]
    fn json_round_trips(a in any_resources()) {
        for format in [ResourceFormat::PostRefinement, ResourceFormat::Endpoint] {
            let json = to_json(&a, format).expect("writable");
            let back = Resources::from_resources(parse_json(&json.to_string(), &Role::star()).expect("parses"))
                .expect("valid");
            prop_assert_eq!(&back, &a);
        }
    }

    #[test]
    fn proto_round_trips(a in any_resources()) {
        prop_assert_eq!(Resources::from_proto_v1(&a.to_proto_v1()), Ok(a.clone()));
        prop_assert_eq!(Resources::from_proto_v0(&a.to_proto_v0()), Ok(a.clone()));
        let endpoint = a.to_proto_v1_in(ResourceFormat::Endpoint).expect("writable");
        prop_assert_eq!(Resources::from_proto_v1(&endpoint), Ok(a));
    }

    #[test]
    fn filters_partition(a in any_resources()) {
        prop_assert_eq!(&a.reserved(None) + &a.unreserved(), a.clone());
        prop_assert_eq!(&a.revocable() + &a.non_revocable(), a.clone());
        prop_assert_eq!(a.to_unreserved().scalar_quantities(), a.scalar_quantities());
    }

    #[test]
    fn parsers_never_panic_on_random_text(text in ".{0,200}") {
        parse_everything(&text);
    }

    #[test]
    fn parsers_never_panic_on_resource_shaped_text(
        text in "[a-z(),:;\\[\\]{}0-9.\\-*/ e]{0,120}"
    ) {
        parse_everything(&text);
    }

    #[test]
    fn parsers_never_panic_on_json_shaped_text(
        text in "\\[(\\{\"(name|type|scalar|value|ranges|range|begin|end|set|item|role|reservations|disk|shared|revocable)\":( ?\"[A-Za-z*/]{0,8}\"|[0-9.\\-]{1,6}|\\{\\}|\\[\\]|null)(,)?\\}(,)?){0,4}\\]"
    ) {
        parse_everything(&text);
    }
}

fn small_ranges() -> impl Strategy<Value = Vec<(u64, u64)>> {
    prop::collection::vec((0u64..120, 0u64..8), 0..10)
}

fn model(pairs: &[(u64, u64)]) -> std::collections::BTreeSet<u64> {
    pairs
        .iter()
        .flat_map(|&(begin, length)| begin..=begin + length)
        .collect()
}

fn build(pairs: &[(u64, u64)]) -> Ranges {
    Ranges::from_coalescing(
        pairs
            .iter()
            .map(|&(begin, length)| Range::new(begin, begin + length)),
    )
    .expect("ordered")
}

fn values(ranges: &Ranges) -> std::collections::BTreeSet<u64> {
    ranges
        .iter()
        .flat_map(|range| range.begin..=range.end)
        .collect()
}

proptest! {
    #[test]
    fn ranges_match_a_set_of_values(a in small_ranges(), b in small_ranges()) {
        let (left, right) = (build(&a), build(&b));
        let mut union = left.clone();
        union.union_with(&right);
        prop_assert_eq!(values(&union), model(&a).union(&model(&b)).copied().collect());
        prop_assert_eq!(&union, &build(&[a.clone(), b.clone()].concat()), "canonical form");
        let mut difference = left.clone();
        difference.subtract(&right);
        prop_assert_eq!(values(&difference), model(&a).difference(&model(&b)).copied().collect());
        prop_assert_eq!(difference.iter().zip(difference.iter().skip(1)).all(|(x, y)| x.end + 1 < y.begin), true);
        prop_assert_eq!(left.contains(&right), model(&b).is_subset(&model(&a)));
        prop_assert_eq!(left.count(), model(&a).len() as u64);
    }
}
