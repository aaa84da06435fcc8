//! Unit tests of the JSON mapping on small common messages.

use super::*;
use crate::v1;

#[test]
fn writes_declaration_order_enums_and_defaults() {
    let resource = v1::Resource {
        provider_id: Some(v1::ResourceProviderId {
            value: "rp".to_owned(),
        }),
        name: "cpus".to_owned(),
        r#type: v1::value::Type::Scalar as i32,
        scalar: Some(v1::value::Scalar { value: 1.5 }),
        ..Default::default()
    };
    // `role` has a default but is deprecated, so it stays out.
    assert_eq!(
        to_string(&resource),
        r#"{"provider_id":{"value":"rp"},"name":"cpus","type":"SCALAR","scalar":{"value":1.5}}"#
    );
    assert_eq!(
        to_string(&v1::Filters::default()),
        r#"{"refuse_seconds":5.0}"#
    );
}
