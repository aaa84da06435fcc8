//! The entry point shared by the cargo-fuzz target and the property test over random input:
//! every parser of outside text, plus the round trips that must hold when parsing succeeds.

use crate::{
    Attributes, ResourceFormat, ResourceLimits, ResourceQuantities, Resources, Role, parse_json,
    parse_min_allocatable_resources, state_json, to_json,
};

/// Feeds `text` to every parser. Panics only when an invariant breaks: a parse that succeeds
/// must render and parse back to equal resources.
#[doc(hidden)]
pub fn parse_everything(text: &str) {
    for default_role in [Role::star(), Role::new("fuzz/role").expect("valid role")] {
        if let Ok(resources) = Resources::parse(text, &default_role) {
            check_round_trips(&resources);
        }
        if let Ok(resources) = parse_json(text, &default_role)
            && let Ok(combined) = Resources::from_resources(resources)
        {
            check_round_trips(&combined);
        }
    }
    let _ = ResourceQuantities::parse(text);
    let _ = ResourceLimits::parse(text);
    let _ = parse_min_allocatable_resources(text);
    let _ = Attributes::parse(text);
}

fn check_round_trips(resources: &Resources) {
    let _ = resources.to_string();
    let _ = state_json(resources);
    let _ = resources.quantities();
    if let Some(text) = resources.to_text() {
        let again = Resources::parse(&text, &Role::star());
        assert_eq!(again.as_ref(), Ok(resources), "text round trip of {text:?}");
    }
    let json =
        to_json(resources, ResourceFormat::PostRefinement).expect("post-refinement always writes");
    let again = parse_json(&json.to_string(), &Role::star()).expect("written JSON parses");
    let again = Resources::from_resources(again).expect("written JSON is valid");
    assert_eq!(&again, resources, "JSON round trip of {json}");
}
