//! Property tests: the fuzz targets' entry points over random input, RecordIO framing of
//! random records in random chunks, and JSON round trips of random messages.

use proptest::prelude::*;
use proto::recordio::{self, Decoder, RecordIoError};
use proto::{codec, json, v1};

proptest! {
    #[test]
    fn scheduler_call_json_entry_point_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        proto::fuzzing::scheduler_call_json(&data);
    }

    #[test]
    fn scheduler_call_json_entry_point_on_jsonish_text(text in r#"\{("(type|framework_id|value|subscribe|framework_info|user|name|decline|offer_ids|filters|refuse_seconds)": ?("[A-Z_]{0,12}"|-?[0-9]{1,20}|\{|\}|\[|\]|null|true|"[a-zA-Z0-9=]{0,8}"),? ?){0,12}\}"#) {
        proto::fuzzing::scheduler_call_json(text.as_bytes());
    }

    #[test]
    fn recordio_entry_point_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        proto::fuzzing::recordio_decoder(&data);
    }

    #[test]
    fn recordio_round_trips_any_records_in_any_chunks(
        records in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..64), 0..8),
        cut in 1usize..17,
    ) {
        let stream: Vec<u8> = records.iter().flat_map(|record| recordio::encode(record)).collect();
        let mut decoder = Decoder::new(64);
        let mut decoded = Vec::new();
        for chunk in stream.chunks(cut) {
            decoded.extend(decoder.decode(chunk).unwrap());
        }
        prop_assert!(!decoder.has_partial_record());
        prop_assert_eq!(decoded.iter().map(|record| record.to_vec()).collect::<Vec<_>>(), records);
    }

    #[test]
    fn recordio_rejects_records_over_the_limit(length in 65u64..u64::MAX) {
        let mut decoder = Decoder::new(64);
        let error = decoder.decode(format!("{length}\n").as_bytes()).unwrap_err();
        prop_assert_eq!(error, RecordIoError::RecordTooLarge { length, max: 64 });
    }

    #[test]
    fn task_status_json_round_trips(
        task in "[a-z0-9-]{1,12}",
        state in 0i32..=13,
        message in "\\PC{0,16}",
        uuid in proptest::collection::vec(any::<u8>(), 0..20),
        timestamp in 0.0f64..2e9,
    ) {
        let status = v1::TaskStatus {
            task_id: v1::TaskId { value: task },
            state,
            message: Some(message),
            uuid: Some(uuid),
            timestamp: Some(timestamp),
            ..Default::default()
        };
        let text = json::to_string(&status);
        prop_assert!(text.is_ascii());
        let back: v1::TaskStatus = json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &status);
        let bytes = codec::encode(codec::ContentType::Protobuf, &status);
        let decoded: v1::TaskStatus = codec::decode(codec::ContentType::Protobuf, &bytes).unwrap();
        prop_assert_eq!(decoded, status);
    }
}
