//! Property tests over the same entry points as the cargo-fuzz targets (`executor/fuzz/`):
//! the agent's event stream and the executor's environment, on random input.

use proptest::prelude::*;

proptest! {
    #[test]
    fn any_bytes_as_an_event_stream(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        executor::fuzzing::event_stream(&data);
    }

    #[test]
    fn well_framed_records_as_an_event_stream(
        records in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..64), 0..8),
    ) {
        let mut data = Vec::new();
        for record in &records {
            data.extend_from_slice(format!("{}\n", record.len()).as_bytes());
            data.extend_from_slice(record);
        }
        executor::fuzzing::event_stream(&data);
    }

    #[test]
    fn json_events_as_an_event_stream(kind in "[A-Z_]{0,12}", message in "\\PC{0,16}") {
        let record = format!(
            "{{\"type\":\"{kind}\",\"error\":{{\"message\":{}}}}}",
            serde_json_string(&message)
        );
        let data = format!("{}\n{record}", record.len());
        executor::fuzzing::event_stream(data.as_bytes());
    }

    #[test]
    fn any_environment(data in "(MESOS_[A-Z_]{0,24}=[ -~]{0,24}\n){0,12}") {
        executor::fuzzing::settings(data.as_bytes());
    }
}

fn serde_json_string(text: &str) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '"' => "\\\"".chars().collect::<Vec<_>>(),
            '\\' => "\\\\".chars().collect(),
            c if (c as u32) < 0x20 => format!("\\u{:04x}", c as u32).chars().collect(),
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

#[test]
fn a_real_stream_decodes() {
    let data = b"20\n{\"type\":\"HEARTBEAT\"}16\n{\"type\":\"SHUTDOWN\"";
    executor::fuzzing::event_stream(data);
    executor::fuzzing::settings(
        b"MESOS_FRAMEWORK_ID=f\nMESOS_EXECUTOR_ID=e\nMESOS_AGENT_ENDPOINT=127.0.0.1:5051\n",
    );
}
