//! The JSON rules clients depend on: required fields, unknown keys, numeric strings, enum
//! names, base64 bytes, `null`, defaults, ASCII output, and clear errors for bad values.

use proto::json::{self, JsonError};
use proto::v1::scheduler::Call;
use proto::v1::{self, scheduler};

#[test]
fn missing_required_fields_are_named_by_path() {
    let error = json::from_str::<Call>(
        r#"{"type": "SUBSCRIBE", "subscribe": {"framework_info": {"name": "x"}}}"#,
    )
    .unwrap_err();
    assert!(matches!(error, JsonError::MissingRequiredField { ref path }
                     if path == "subscribe.framework_info.user"));
    assert_eq!(
        error.to_string(),
        "missing required field 'subscribe.framework_info.user'"
    );

    let error = json::from_str::<Call>(
        r#"{"type": "ACCEPT", "accept": {"offer_ids": [{"value": "o1"}, {}]}}"#,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "missing required field 'accept.offer_ids[1].value'"
    );

    let error = json::from_str::<v1::FrameworkInfo>(
        r#"{"user": "u", "name": "n", "offer_filters": {"r": {"min_allocatable_resources":
             {"quantities": [{"quantities": {"cpus": {}}}]}}}}"#,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "missing required field \
         'offer_filters[r].min_allocatable_resources.quantities[0].quantities[cpus].value'"
    );
}

#[test]
fn unknown_keys_and_nulls_are_ignored() {
    let call: Call = json::from_str(
        r#"{"type": "DECLINE", "slave_id": {"value": "s"}, "credentials": [1, 2],
            "framework_id": null,
            "decline": {"offer_ids": [{"value": "o1", "extra": true}], "filters": null}}"#,
    )
    .unwrap();
    assert_eq!(call.framework_id, None);
    let decline = call.decline.unwrap();
    assert_eq!(decline.offer_ids[0].value, "o1");
    assert_eq!(decline.filters, None);
}

#[test]
fn integers_accept_numbers_and_numeric_strings() {
    let time: v1::TimeInfo = json::from_str(r#"{"nanoseconds": "1500000000000000001"}"#).unwrap();
    assert_eq!(time.nanoseconds, 1_500_000_000_000_000_001);
    let time: v1::TimeInfo = json::from_str(r#"{"nanoseconds": 9223372036854775807}"#).unwrap();
    assert_eq!(time.nanoseconds, i64::MAX);
    // 64-bit integers are written as JSON numbers, not strings.
    assert_eq!(
        json::to_string(&time),
        r#"{"nanoseconds":9223372036854775807}"#
    );

    let range: v1::value::Range = json::from_str(r#"{"begin": "31000", "end": 3.2e4}"#).unwrap();
    assert_eq!((range.begin, range.end), (31000, 32000));

    for bad in [
        r#"{"begin": -1, "end": 1}"#,
        r#"{"begin": 1.5, "end": 2}"#,
        r#"{"begin": "x", "end": 2}"#,
        r#"{"begin": true, "end": 2}"#,
    ] {
        let error = json::from_str::<v1::value::Range>(bad).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid value for field 'begin'"),
            "{error}"
        );
    }
    let error = json::from_str::<v1::Address>(r#"{"port": 4294967296}"#).unwrap_err();
    assert!(error.to_string().contains("'port'"), "{error}");
}

#[test]
fn doubles_and_booleans_accept_strings() {
    let filters: v1::Filters = json::from_str(r#"{"refuse_seconds": "2.5"}"#).unwrap();
    assert_eq!(filters.refuse_seconds, Some(2.5));
    let scalar: v1::value::Scalar = json::from_str(r#"{"value": "-Infinity"}"#).unwrap();
    assert_eq!(scalar.value, f64::NEG_INFINITY);
    assert_eq!(json::to_string(&scalar), r#"{"value":"-Infinity"}"#);
    let info: v1::FrameworkInfo =
        json::from_str(r#"{"user": "u", "name": "n", "checkpoint": "true"}"#).unwrap();
    assert_eq!(info.checkpoint, Some(true));
    assert!(json::from_str::<v1::value::Scalar>(r#"{"value": "NaN"}"#).is_err());
}

#[test]
fn enums_are_names() {
    let value: v1::Value = json::from_str(r#"{"type": "RANGES"}"#).unwrap();
    assert_eq!(value.r#type, v1::value::Type::Ranges as i32);
    // A number is not an enum name.
    assert!(json::from_str::<v1::Value>(r#"{"type": 1}"#).is_err());
    // An unknown name is an error for a required enum ...
    let error = json::from_str::<v1::Value>(r#"{"type": "VECTOR"}"#).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid value for field 'type': 'VECTOR' is not a value of mesos.v1.Value.Type"
    );
    // ... and leaves an optional one unset.
    let call: Call = json::from_str(r#"{"type": "TELEPORT"}"#).unwrap();
    assert_eq!(call.r#type, None);
    let capabilities: v1::FrameworkInfo = json::from_str(
        r#"{"user": "u", "name": "n", "capabilities": [{"type": "MULTI_ROLE"}, {"type": "NEW"}]}"#,
    )
    .unwrap();
    assert_eq!(capabilities.capabilities[1].r#type, None);
}

#[test]
fn bytes_are_base64() {
    let message: scheduler::event::Message = json::from_str(
        r#"{"agent_id": {"value": "a"}, "executor_id": {"value": "e"}, "data": "AP8Q"}"#,
    )
    .unwrap();
    assert_eq!(message.data, [0x00, 0xff, 0x10]);
    assert!(json::to_string(&message).ends_with(r#""data":"AP8Q"}"#));
    // Unpadded input is accepted; garbage is not.
    let message: scheduler::event::Message = json::from_str(
        r#"{"agent_id": {"value": "a"}, "executor_id": {"value": "e"}, "data": "AP8QAA"}"#,
    )
    .unwrap();
    assert_eq!(message.data, [0x00, 0xff, 0x10, 0x00]);
    let error = json::from_str::<scheduler::event::Message>(
        r#"{"agent_id": {"value": "a"}, "executor_id": {"value": "e"}, "data": "!!"}"#,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid value for field 'data': not valid base64"
    );
}

#[test]
fn output_is_compact_ascii_with_defaults() {
    let info = v1::FrameworkInfo {
        user: "r\u{f6}ot".to_owned(),
        name: "\u{1f600} \"quoted\"\n".to_owned(),
        ..Default::default()
    };
    assert_eq!(
        json::to_string(&info),
        r#"{"user":"r\u00f6ot","name":"\ud83d\ude00 \"quoted\"\n","failover_timeout":0.0,"checkpoint":false}"#
    );
    // Reading the escapes back restores the text.
    let back: v1::FrameworkInfo = json::from_str(&json::to_string(&info)).unwrap();
    assert_eq!(back.name, info.name);
    assert_eq!(json::to_value(&info)["user"], "r\u{f6}ot");
}

#[test]
fn maps_are_objects() {
    let config: v1::quota::QuotaConfig = json::from_str(
        r#"{"role": "dev", "limits": {"mem": {"value": 2048}, "cpus": {"value": 1.5}}}"#,
    )
    .unwrap();
    assert_eq!(config.limits["cpus"].value, 1.5);
    assert_eq!(
        json::to_string(&config),
        r#"{"role":"dev","limits":{"cpus":{"value":1.5},"mem":{"value":2048.0}}}"#
    );
}

#[test]
fn wrong_json_types_are_errors_naming_the_field() {
    for (json_text, message) in [
        ("[]", "expected a JSON object for <root>"),
        (
            r#"{"framework_id": "f"}"#,
            "expected a JSON object for framework_id",
        ),
        (
            r#"{"framework_id": {"value": 7}}"#,
            "invalid value for field 'framework_id.value': a JSON number does not fit a string field",
        ),
        (r#"{"suppress": {"roles": "r"}}"#, ""),
        (
            r#"{"type": ["SUBSCRIBE"]}"#,
            "invalid value for field 'type': did not expect a JSON array",
        ),
    ] {
        let result = json::from_str::<Call>(json_text);
        if message.is_empty() {
            // A single string for a repeated string field: protobuf's lenient parsers
            // accept it as one element, and so do we.
            let call = result.unwrap();
            assert_eq!(call.suppress.map(|s| s.roles), Some(vec!["r".to_owned()]));
        } else {
            assert_eq!(result.unwrap_err().to_string(), message, "{json_text}");
        }
    }
    assert!(matches!(
        json::from_str::<Call>("{"),
        Err(JsonError::Syntax(_))
    ));

    // Likewise a single object for a repeated message field is one element (as in stout).
    let call: Call = json::from_str(r#"{"decline": {"offer_ids": {"value": "o"}}}"#).unwrap();
    assert_eq!(call.decline.unwrap().offer_ids[0].value, "o");
}
