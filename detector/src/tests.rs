//! Tests of `--master` parsing and of the standalone detector's change notifications.

use std::time::Duration;

use super::*;

fn upid(text: &str) -> Upid {
    text.parse().expect("a valid UPID")
}

#[test]
fn parses_the_standalone_forms() {
    assert_eq!(
        parse_master("10.0.0.1:5050").unwrap(),
        upid("master@10.0.0.1:5050")
    );
    assert_eq!(
        parse_master("master@10.0.0.1:5051").unwrap(),
        upid("master@10.0.0.1:5051")
    );
    assert_eq!(
        parse_master("  127.0.0.1:5050\n").unwrap(),
        upid("master@127.0.0.1:5050")
    );
    let resolved = parse_master("localhost:5050").unwrap();
    assert_eq!(resolved.id(), "master");
    assert_eq!(resolved.address().port(), 5050);
    assert!(resolved.address().ip().is_loopback(), "{resolved}");
}

#[test]
fn refuses_bad_values_with_a_reason() {
    assert_eq!(parse_master(""), Err(DetectorError::Empty));
    assert_eq!(parse_master("   "), Err(DetectorError::Empty));
    for bad in [
        "10.0.0.1",
        "10.0.0.1:",
        "10.0.0.1:99999",
        ":5050",
        "slave(1)@10.0.0.1:5050",
        "master@",
        "a b:5050",
    ] {
        assert!(
            matches!(parse_master(bad), Err(DetectorError::Unparsable { .. })),
            "{bad:?} gave {:?}",
            parse_master(bad)
        );
    }
    assert!(matches!(
        parse_master("no-such-host.invalid:5050"),
        Err(DetectorError::Resolve { .. })
    ));
    let error = parse_master("zk://127.0.0.1:2181/mesos").unwrap_err();
    assert!(matches!(error, DetectorError::ZooKeeperUnsupported(_)));
    assert!(error.to_string().contains("not supported yet"), "{error}");
}

#[test]
fn reads_file_values_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master");
    fs::write(&path, "master@127.0.0.1:6060\n").unwrap();
    assert_eq!(
        parse_master(&format!("file://{}", path.display())).unwrap(),
        upid("master@127.0.0.1:6060")
    );

    let nested = dir.path().join("nested");
    fs::write(&nested, format!("file://{}", path.display())).unwrap();
    assert!(matches!(
        parse_master(&format!("file://{}", nested.display())),
        Err(DetectorError::Unparsable { .. })
    ));

    let missing = parse_master("file:///no/such/master/file").unwrap_err();
    assert!(matches!(missing, DetectorError::File { .. }), "{missing}");
    assert!(missing.to_string().contains("/no/such/master/file"));
}

#[test]
fn detect_answers_at_once_when_the_caller_is_behind() {
    let detector = create("master@127.0.0.1:5050").unwrap();
    let leader = detector.detect(None).block().unwrap();
    assert_eq!(leader, Some(upid("master@127.0.0.1:5050")));
}

#[test]
fn detect_waits_for_a_change_and_reports_it() {
    let detector = StandaloneDetector::new(Some(upid("master@127.0.0.1:5050")));
    let current = detector.leader();
    let waiting = detector.detect(current.as_ref());
    let waiting = match waiting.block_timeout(Duration::from_millis(10)) {
        Err(still_waiting) => still_waiting,
        Ok(result) => panic!("resolved without a change: {result:?}"),
    };

    let follower = detector.clone();
    follower.appoint(Some(upid("master@127.0.0.2:5050")));
    assert_eq!(
        waiting.block().unwrap(),
        Some(upid("master@127.0.0.2:5050"))
    );

    // Losing the leader is news too.
    let waiting = detector.detect(Some(&upid("master@127.0.0.2:5050")));
    detector.appoint(None);
    assert_eq!(waiting.block().unwrap(), None);
    assert_eq!(detector.leader(), None);
    assert_eq!(
        detector
            .detect(Some(&upid("master@127.0.0.2:5050")))
            .block()
            .unwrap(),
        None
    );
}

#[test]
fn ipv6_masters_may_be_bracketed() {
    let master = parse_master("master@[::1]:5050").unwrap();
    assert!(master.address().is_ipv6());
    assert_eq!(master.address().port(), 5050);
}

proptest::proptest! {
    #[test]
    fn any_text_splits_or_is_refused_without_panicking(text in "\\PC{0,40}") {
        fuzz_master_text(&text);
    }

    #[test]
    fn ip_masters_parse_back(a in 0u8.., b in 0u8.., c in 0u8.., d in 0u8.., port in 0u16..,
                             prefixed in proptest::bool::ANY) {
        let text = format!("{}{a}.{b}.{c}.{d}:{port}", if prefixed { "master@" } else { "" });
        fuzz_master_text(&text);
        let master = parse_master(&text).unwrap();
        proptest::prop_assert_eq!(master.address().port(), port);
    }
}
