//! Parsing and rendering tables: the `--resources` text and JSON forms, Mesos's log form, the
//! flag form, the state-endpoint JSON, and the error for each kind of bad input.

mod common;

use common::{disk, dynamic, fixed, parse, resources, role, scalar};
use resources::{
    DiskSource, Label, Labels, ParseError, Resource, ResourceFormat, Resources, Role, parse_json,
    resource_to_json, state_json, to_json,
};
use serde_json::json;

#[test]
fn text_form_table() {
    // (input, default role, the same resources written differently with explicit roles)
    let cases: &[(&str, &str, &str)] = &[
        (
            "cpus:45.55;ports:[10000-20000, 30000-50000];disks:{sda1}",
            "*",
            "disks:{sda1};ports:[30000-50000,10000-20000];cpus:45.55",
        ),
        (
            "cpus(role1):2;mem(role1):3",
            "*",
            "mem(role1):3;cpus(role1):2",
        ),
        (
            "cpus:2.5;ports(role2):[0-100]",
            "role1",
            "cpus(role1):2.5;ports(role2):[0-100]",
        ),
        (" cpus : 4 ; mem : 1024 ;", "*", "cpus:4;mem:1024"),
        ("cpus:4;;mem:1024", "*", "cpus:4;mem:1024"),
        ("cpus ( role1 ) : 2", "*", "cpus(role1):2"),
        ("ports:[1-10,\n 11-20]", "*", "ports:[1-20]"),
        ("ports:[4-6, 7-7, 9-10, 9-11]", "*", "ports:[4-7,9-11]"),
        ("bugs(debug_role):{a,b,c}", "*", "bugs(debug_role):{c,b,a}"),
        (
            "cpus:24;gpus:2;mem:24576;disk:409600;ports:[21000-24000,30000-34000]",
            "*",
            "cpus:24;gpus:2;mem:24576;disk:409600;ports:[21000-24000,30000-34000]",
        ),
        ("cpus(a/bx):4", "*", "cpus(a/bx):4"),
        ("gpus:0;cpus:1", "*", "cpus:1"),
        ("", "*", ""),
        ("cpus:1.2345", "*", "cpus:1.235"),
        ("cpus:1e1", "*", "cpus:10"),
    ];
    for (text, default_role, same) in cases {
        let parsed =
            Resources::parse(text, &role(default_role)).unwrap_or_else(|e| panic!("{text}: {e}"));
        let expected = Resources::parse(same, &Role::star());
        assert_eq!(Ok(parsed), expected, "{text:?}");
    }
    let with_roles = parse("cpus(role1):2;mem(role1):3");
    assert_eq!(
        with_roles,
        resources(vec![
            scalar("cpus", 2.0).reserved(fixed("role1")),
            scalar("mem", 3.0).reserved(fixed("role1"))
        ])
    );
}

#[test]
fn text_form_errors_table() {
    let cases: &[(&str, &str)] = &[
        (
            "cpus(role1)",
            "Bad value for resources, missing or extra ':' in 'cpus(role1)'",
        ),
        (
            "cpus:1:2",
            "Bad value for resources, missing or extra ':' in 'cpus:1:2'",
        ),
        (
            "cpus(role1:1",
            "Bad value for resources, mismatched parentheses in 'cpus(role1:1'",
        ),
        (
            "cpus)(role1:1",
            "Bad value for resources, mismatched parentheses in 'cpus)(role1:1'",
        ),
        (
            "cpus(r)x:1",
            "Bad value for resources, mismatched parentheses in 'cpus(r)x:1'",
        ),
        (
            "foo(role1):1;foo(role2):[0-1]",
            "Resources with the same name ('foo') but different types are not allowed",
        ),
        (
            "cpus:0.00001",
            "Resource 'cpus:0.00001' is invalid: Invalid scalar resource: value 0.00001 rounds to 0 (Mesos keeps three decimal places)",
        ),
        (
            "cpus:-1",
            "Bad type for resource cpus value -1 type TEXT: expecting a non-negative number, ranges like [1-10] or a set like {a,b}",
        ),
        (
            "cpus:abc",
            "Bad type for resource cpus value abc type TEXT: expecting a non-negative number, ranges like [1-10] or a set like {a,b}",
        ),
        (
            "cpus:nan",
            "Bad type for resource cpus value nan type TEXT: expecting a non-negative number, ranges like [1-10] or a set like {a,b}",
        ),
        (
            "ports:[5-3]",
            "Resource 'ports:[5-3]' is invalid: Invalid ranges resource: range [5-3] is inverted: begin > end",
        ),
        (
            "ports:[1-2]]",
            "Failed to parse resource ports value [1-2]] error mismatched brackets",
        ),
        (
            "ports:[1-x]",
            "Failed to parse resource ports value [1-x] error expecting a range of non-negative integers like 31000-32000, found '1-x'",
        ),
        (
            "bugs:{a,a}",
            "Resource 'bugs:{a,a}' is invalid: Invalid set resource: item 'a' appears more than once",
        ),
        (
            "cpus(*/a):1",
            "Bad role in 'cpus(*/a):1': Role '*/a' cannot include '*' as a component",
        ),
        (
            "cpus(-a):1",
            "Bad role in 'cpus(-a):1': Role component '-a' is invalid because it starts with a dash",
        ),
        (
            "cpus():1",
            "Bad role in 'cpus():1': Role names cannot be the empty string",
        ),
        (
            ":1",
            "Bad value for resources, missing or extra ':' in ':1'",
        ),
        (" :1", "Resource ':1' is invalid: Empty resource name"),
        (
            "cpus:7.63918e-313",
            "Failed to parse resource cpus value 7.63918e-313 error subnormal values are not supported",
        ),
        (
            "cpus:1e300",
            "Resource 'cpus:1e300' is invalid: Invalid scalar resource: value 1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 is too large (at most 4611686018427387)",
        ),
    ];
    for (text, message) in cases {
        let error = Resources::parse(text, &Role::star()).expect_err(text);
        assert_eq!(error.to_string(), *message, "{text:?}");
    }
    let error = Resources::parse("disk:1", &Role::new("*").expect("star")).map(|r| r.len());
    assert_eq!(error, Ok(1));
}

#[test]
fn json_form_table() {
    let cases: &[(&str, &str)] = &[
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":45.55}}]"#,
            "cpus:45.55",
        ),
        (
            r#"[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":10000,"end":20000},{"begin":"30000","end":50000}]}}]"#,
            "ports:[10000-20000,30000-50000]",
        ),
        (
            r#"[{"name":"pandas","type":"SET","set":{"item":["lun_lun","yang_yang"]}}]"#,
            "pandas:{lun_lun,yang_yang}",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":45.55},"reservations":[{"type":"STATIC","role":"role1"}]}]"#,
            "cpus(role1):45.55",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":4},"role":"r"}]"#,
            "cpus(r):4",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":4},"role":"*"}]"#,
            "cpus:4",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":4},"unknown":{"x":1},"role":null}]"#,
            "cpus:4",
        ),
        (
            r#"[{"name":"ports","type":"RANGES","ranges":{"range":[]},"role":"role1"},{"name":"bugs","type":"SET","set":{"item":[]}}]"#,
            "",
        ),
        (r#" [ ] "#, ""),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":24}},{"name":"gpus","type":"SCALAR","scalar":{"value":2}},{"name":"mem","type":"SCALAR","scalar":{"value":24576}},{"name":"disk","type":"SCALAR","scalar":{"value":409600}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":21000,"end":24000},{"begin":30000,"end":34000}]}},{"name":"bugs","type":"SET","set":{"item":["a","b","c"]},"role":"debug_role"}]"#,
            "cpus:24;gpus:2;mem:24576;disk:409600;ports:[21000-24000,30000-34000];bugs(debug_role):{a,b,c}",
        ),
    ];
    for (json, text) in cases {
        let parsed =
            Resources::parse(json, &Role::star()).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(parsed, parse(text), "{json}");
    }
    let defaulted = Resources::parse(
        r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":2}}]"#,
        &role("dflt"),
    )
    .expect("valid");
    assert_eq!(defaulted, parse("cpus(dflt):2"));
}

#[test]
fn json_form_errors_table() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"name":"sad_pandas","type":"SET","set":{"item":["a"]}}"#,
            "Bad value for resources, missing or extra ':' in '{\"name\":\"sad_pandas\",\"type\":\"SET\",\"set\":{\"item\":[\"a\"]}}'",
        ),
        (
            r#"[{"name":"a","type":"SET","set":{"item":["x"]}} {"name":"b","type":"SET","set":{"item":["y"]}}]"#,
            "Some JSON resources were not formatted properly: expected `,` or `]` at line 1 column 49",
        ),
        (
            r#"[[{"name":"a","type":"SET","set":{"item":["x"]}}]]"#,
            "Some JSON resources were not formatted properly: resource 0 (counting from 0): expecting a JSON object",
        ),
        (
            r#"[{"name":"a","type":"SET","set":{"item":["x"]}}] once upon a time"#,
            "Some JSON resources were not formatted properly: trailing characters at line 1 column 50",
        ),
        (
            r#"[{"name":"pandas","set":{"item":["x"]}}]"#,
            "Some JSON resources were not formatted properly: resource 0 (counting from 0): Missing required fields: type",
        ),
        (
            r#"[{"type":"SET","set":{"item":["x"]}}]"#,
            "Some JSON resources were not formatted properly: resource 0 (counting from 0): Missing required fields: name",
        ),
        (
            r#"[{"name":"pandas","type":"FLOATINGPOINT","set":{"item":["x"]}}]"#,
            "Some JSON resources were not formatted properly: resource 0 (counting from 0): Failed to find enum for 'FLOATINGPOINT'",
        ),
        (
            r#"[{"name":"p","type":"RANGES","ranges":{"range":[{"begin":-1,"end":2}]}}]"#,
            "Some JSON resources were not formatted properly: resource 0 (counting from 0): expecting a non-negative integer for field 'begin'",
        ),
    ];
    for (json, message) in cases {
        let error = Resources::parse(json, &Role::star()).expect_err(json);
        assert_eq!(error.to_string(), *message, "{json}");
    }
    // Errors that are about the resource rather than the JSON: check the kind and the words.
    let invalid: &[(&str, &str)] = &[
        (
            r#"[{"name":"","type":"SET","set":{"item":["x"]}}]"#,
            "Empty resource name",
        ),
        (
            r#"[{"name":"power","type":"SCALAR","scalar":{"value":-1}}]"#,
            "Invalid scalar resource: value -1 is negative",
        ),
        (
            r#"[{"name":"power","type":"SCALAR","scalar":{"value":"NaN"}}]"#,
            "Invalid scalar resource: value NaN is not a finite number",
        ),
        (
            r#"[{"name":"power","type":"SCALAR","scalar":{"value":"Infinity"}}]"#,
            "Invalid scalar resource: value inf is not a finite number",
        ),
        (
            r#"[{"name":"power","type":"SCALAR","ranges":{"range":[]}}]"#,
            "Invalid scalar resource: type SCALAR needs 'scalar' and no 'ranges' or 'set'",
        ),
        (
            r#"[{"name":"p","type":"RANGES","ranges":{"range":[{"begin":1,"end":10},{"begin":5,"end":20}]}}]"#,
            "Invalid ranges resource: ranges [1-10] and [5-20] overlap",
        ),
        (
            r#"[{"name":"p","type":"RANGES","ranges":{"range":[{"begin":10,"end":1}]}}]"#,
            "Invalid ranges resource: range [10-1] is inverted: begin > end",
        ),
        (
            r#"[{"name":"s","type":"SET","set":{"item":["a","a"]}}]"#,
            "Invalid set resource: item 'a' appears more than once",
        ),
        (
            r#"[{"name":"t","type":"TEXT","text":{"value":"x"}}]"#,
            "Invalid resource type: TEXT is not a resource type",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a//b"}]"#,
            "Role 'a//b' cannot contain two adjacent slashes",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC","role":"*"}]}]"#,
            "Invalid reservation: role \"*\" cannot be reserved",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"role":"a"}]}]"#,
            "Invalid reservation: 'Resource.ReservationInfo.type' field must be set.",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC"}]}]"#,
            "Invalid reservation: 'Resource.ReservationInfo.role' field must be set.",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC","role":"a"},{"type":"STATIC","role":"a/b"}]}]"#,
            "Invalid refined reservation: A refined reservation cannot be STATIC",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"STATIC","role":"a"},{"type":"DYNAMIC","role":"b"}]}]"#,
            "Invalid refined reservation: role 'b' is not a refinement of 'a'",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"r1","reservations":[{"type":"STATIC","role":"r2"}]}]"#,
            "Invalid resource format: 'Resource.role' field with 'r1' does not match the role 'r2' in 'Resource.reservations'",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"*","reservation":{"principal":"p"}}]"#,
            "Invalid reservation: role \"*\" cannot be dynamically reserved",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"disk":{"source":{"type":"PATH"}}}]"#,
            "DiskInfo should not be set for cpus resource",
        ),
        (
            r#"[{"name":"disk","type":"SCALAR","scalar":{"value":1},"disk":{"source":{"type":"RAW","mount":{"root":"/m"}}}}]"#,
            "Mount should not be set for RAW disk source",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"shared":{}}]"#,
            "Resource cpus cannot be shared",
        ),
        (
            r#"[{"name":"disk","type":"SCALAR","scalar":{"value":1},"shared":{}}]"#,
            "Only persistent volumes can be shared",
        ),
    ];
    for (json, message) in invalid {
        match Resources::parse(json, &Role::star()) {
            Err(ParseError::Invalid { error, .. }) => {
                assert_eq!(error.to_string(), *message, "{json}")
            }
            other => panic!("{json}: expected an invalid resource, got {other:?}"),
        }
    }
    // Valid resources that the agent's command line does not accept.
    let command_line: &[(&str, &str)] = &[
        (
            r#"[{"name":"happy","type":"SCALAR","scalar":{"value":14}},{"name":"happy","type":"SET","set":{"item":["a"]}}]"#,
            "Resources with the same name ('happy') but different types are not allowed",
        ),
        (
            r#"[{"name":"disk","type":"SCALAR","scalar":{"value":2048},"role":"r","disk":{"persistence":{"id":"v1"},"volume":{"container_path":"/p","mode":"RW"}}}]"#,
            "Persistent volumes cannot be specified at the command line",
        ),
        (
            r#"[{"name":"disk","type":"SCALAR","scalar":{"value":2048},"reservations":[{"type":"DYNAMIC","role":"new_role","principal":"p"}]}]"#,
            "Dynamic reservations cannot be specified at the command line; do not include a reservation with DYNAMIC type in the resources JSON",
        ),
        (
            r#"[{"name":"cpus","type":"SCALAR","scalar":{"value":54.44},"role":"role2","revocable":{}}]"#,
            "Revocable resources cannot be specified at the command line; do not include a 'revocable' key in the resources JSON",
        ),
    ];
    for (json, message) in command_line {
        let error = Resources::parse(json, &Role::star()).expect_err(json);
        assert_eq!(error.to_string(), *message, "{json}");
    }
}

#[test]
fn json_round_trips_every_field() {
    let labels = Labels(vec![Label::new("foo", "bar"), Label::key_only("baz")]);
    let mut source = DiskSource::mount(Some("/mnt/1"));
    source.id = Some("vol-1".into());
    source.vendor = Some("csi".into());
    source.metadata = Some(Labels(vec![Label::new("k", "v")]));
    source.profile = Some("fast".into());
    let mut volume = disk(64.0, "*", Some("id1"), Some("/data"), Some(source), true);
    volume.push_reservation(dynamic("eng", Some("ops")).with_labels(labels.clone()));
    volume.push_reservation(dynamic("eng/web", None));
    let all = resources(vec![
        volume.clone(),
        scalar("cpus", 2.5)
            .reserved(fixed("eng"))
            .allocated_to(role("eng")),
        scalar("cpus", 1.0)
            .with_revocable(true)
            .with_provider_id("rp-1"),
        Resource::ranges(
            "ports",
            resources::Ranges::single(31000, 32000).expect("valid"),
        ),
        Resource::set("bugs", resources::Set::from_items(["a", "b"])),
    ]);
    for format in [ResourceFormat::PostRefinement, ResourceFormat::Endpoint] {
        let json = to_json(&all, format).expect("writable");
        let back = parse_json(&json.to_string(), &Role::star()).expect("parses");
        let back = resources(back);
        assert_eq!(back, all, "{format:?}: {json}");
        assert_eq!(
            back.iter()
                .find(|r| r.is_shared())
                .and_then(|r| r.disk().cloned()),
            volume.disk().cloned()
        );
    }
    assert!(
        to_json(&all, ResourceFormat::PreRefinement).is_err(),
        "refined reservations cannot be downgraded"
    );
}

#[test]
fn pre_refinement_and_endpoint_formats() {
    let unreserved = scalar("cpus", 555.5);
    let statically = scalar("cpus", 555.5).reserved(fixed("foo"));
    let dynamically = scalar("cpus", 555.5).reserved(dynamic("bar", Some("principal1")));
    let cases = [
        (
            &unreserved,
            ResourceFormat::PreRefinement,
            json!({"name":"cpus","type":"SCALAR","scalar":{"value":555.5},"role":"*"}),
        ),
        (
            &statically,
            ResourceFormat::PreRefinement,
            json!({"name":"cpus","type":"SCALAR","scalar":{"value":555.5},"role":"foo"}),
        ),
        (
            &dynamically,
            ResourceFormat::PreRefinement,
            json!({"name":"cpus","type":"SCALAR","scalar":{"value":555.5},"role":"bar","reservation":{"principal":"principal1"}}),
        ),
        (
            &dynamically,
            ResourceFormat::PostRefinement,
            json!({"name":"cpus","type":"SCALAR","scalar":{"value":555.5},"reservations":[{"type":"DYNAMIC","role":"bar","principal":"principal1"}]}),
        ),
        (
            &dynamically,
            ResourceFormat::Endpoint,
            json!({"name":"cpus","type":"SCALAR","scalar":{"value":555.5},"role":"bar","reservation":{"principal":"principal1"},"reservations":[{"type":"DYNAMIC","role":"bar","principal":"principal1"}]}),
        ),
    ];
    for (resource, format, expected) in cases {
        let written = resource_to_json(resource, format).expect("writable");
        assert_eq!(written, expected, "{resource} {format:?}");
        let back = parse_json(&json!([written]).to_string(), &Role::star()).expect("parses");
        assert_eq!(back, vec![resource.clone()], "{format:?}");
    }
}

#[test]
fn log_form_table() {
    let mut dyn_labels = dynamic("alice/refined", Some("hdfs-p"));
    dyn_labels.labels = Some(Labels(vec![
        Label::new("foo", "bar"),
        Label::key_only("foo"),
    ]));
    let mut volume = disk(1.0, "alice", Some("hadoop"), Some("/data"), None, false);
    let cases: Vec<(Resource, &str)> = vec![
        (scalar("disk", 1.0), "disk:1"),
        (
            scalar("disk", 1.0).reserved(fixed("alice")),
            "disk(reservations: [(STATIC,alice)]):1",
        ),
        (
            scalar("disk", 1.0)
                .reserved(fixed("alice"))
                .allocated_to(role("role")),
            "disk(allocated: role)(reservations: [(STATIC,alice)]):1",
        ),
        (
            scalar("disk", 1.0)
                .reserved(fixed("alice"))
                .with_revocable(true),
            "disk(reservations: [(STATIC,alice)]){REV}:1",
        ),
        (
            volume.clone(),
            "disk(reservations: [(STATIC,alice)])[hadoop:/data]:1",
        ),
        (
            volume.clone().with_revocable(true),
            "disk(reservations: [(STATIC,alice)])[hadoop:/data]{REV}:1",
        ),
        (
            disk(
                1.0,
                "alice",
                Some("hadoop"),
                Some("/data"),
                Some(DiskSource::mount(Some("/mnt1"))),
                false,
            ),
            "disk(reservations: [(STATIC,alice)])[MOUNT:/mnt1,hadoop:/data]:1",
        ),
        (
            disk(
                1.0,
                "alice",
                Some("hadoop"),
                Some("/data"),
                Some(DiskSource::path(Some("/mnt2"))),
                false,
            ),
            "disk(reservations: [(STATIC,alice)])[PATH:/mnt2,hadoop:/data]:1",
        ),
        (scalar("cpus", 1.2345), "cpus:1.235"),
        (scalar("cpus", 1000001.0), "cpus:1000001"),
        (scalar("cpus", 99999999999.9994), "cpus:99999999999.999"),
    ];
    for (resource, text) in cases {
        assert_eq!(resource.to_string(), text);
    }
    volume.push_reservation(dyn_labels);
    assert_eq!(
        volume.to_string(),
        "disk(reservations: [(STATIC,alice),(DYNAMIC,alice/refined,hdfs-p,{foo: bar, foo})])[hadoop:/data]:1"
    );
    assert_eq!(
        parse("cpus:45.55;ports:[10000-20000, 30000-50000];disks:{sda1}").to_string(),
        "cpus:45.55; ports:[10000-20000, 30000-50000]; disks:{sda1}"
    );
    assert_eq!(Resources::new().to_string(), "{}");
}

#[test]
fn flag_form_round_trips_or_declines() {
    let writable = [
        "cpus:4;mem:1024;ports:[31000-32000];disk(role):10",
        "bugs(debug_role):{a,b,c};cpus(a/b):0.5",
        "",
    ];
    for text in writable {
        let parsed = parse(text);
        let written = parsed.to_text().expect("writable");
        assert_eq!(parse(&written), parsed, "{text} -> {written}");
    }
    let dynamic_reserved = parse("cpus:1")
        .push_reservation(&dynamic("r", Some("p")))
        .expect("valid");
    assert_eq!(dynamic_reserved.to_text(), None);
    assert_eq!(
        resources(vec![scalar("cpus", 1.0).with_revocable(true)]).to_text(),
        None
    );
    assert_eq!(
        resources(vec![Resource::set(
            "s",
            resources::Set::from_items(["a b"])
        )])
        .to_text(),
        None
    );
}

#[test]
fn state_json_table() {
    let cases = [
        (
            "cpus:4;mem:1024;ports:[31000-32000]",
            json!({"cpus":4.0,"disk":0.0,"gpus":0.0,"mem":1024.0,"ports":"[31000-32000]"}),
        ),
        ("", json!({"cpus":0.0,"disk":0.0,"gpus":0.0,"mem":0.0})),
        (
            "cpus(r):2.1;cpus:1;bugs:{b,a};ports:[1-2];ports(r):[4-5]",
            json!({"cpus":3.1,"disk":0.0,"gpus":0.0,"mem":0.0,"bugs":"{a, b}","ports":"[1-2, 4-5]"}),
        ),
        (
            "foo:0.5",
            json!({"cpus":0.0,"disk":0.0,"gpus":0.0,"mem":0.0,"foo":0.5}),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(state_json(&parse(text)), expected, "{text}");
    }
    let revocable = &parse("cpus:1") + &resources(vec![scalar("cpus", 2.0).with_revocable(true)]);
    assert_eq!(
        state_json(&revocable),
        json!({"cpus":1.0,"cpus_revocable":2.0,"disk":0.0,"gpus":0.0,"mem":0.0})
    );
    assert_eq!(
        state_json(&parse("cpus:4")).to_string(),
        r#"{"cpus":4.0,"disk":0.0,"gpus":0.0,"mem":0.0}"#
    );
}
