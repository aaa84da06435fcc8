//! Entry points shared by the cargo-fuzz targets (`executor/fuzz/`) and the property tests,
//! so CI exercises on random input exactly what the fuzzers run. Each panics only on a
//! broken invariant, never on bad input.

use proto::codec::{self, ContentType};

use crate::{ExecutorSettings, driver::stream};

/// Feeds `data` as an agent's event stream, whole and in chunks, in both encodings: the
/// outcome must not depend on the chunking, and every event decoded must survive a round
/// trip through its encoding.
pub fn event_stream(data: &[u8]) {
    for content_type in [ContentType::Json, ContentType::Protobuf] {
        let whole = stream::decode_events(&mut stream::decoder(), content_type, data);
        let mut decoder = stream::decoder();
        let chunk_len = usize::from(data.first().copied().unwrap_or(1)).max(1);
        let mut pieces = Ok(Vec::new());
        for chunk in data.chunks(chunk_len) {
            match stream::decode_events(&mut decoder, content_type, chunk) {
                Ok(events) => {
                    if let Ok(all) = pieces.as_mut() {
                        all.extend(events);
                    }
                }
                Err(error) => {
                    pieces = Err(error);
                    break;
                }
            }
        }
        match (&whole, &pieces) {
            (Ok(whole), Ok(pieces)) => assert_eq!(whole, pieces),
            (Err(_), Err(_)) => {}
            _ => panic!("chunking changed the outcome: {whole:?} vs {pieces:?}"),
        }
        for event in whole.into_iter().flatten().flatten() {
            let bytes = codec::encode(content_type, &event);
            let again = codec::decode(content_type, &bytes).expect("our own encoding decodes");
            assert_eq!(event, again);
        }
    }
}

/// Reads `data` as `NAME=value` lines of an executor's environment: settings are read or
/// refused with an error, never a panic.
pub fn settings(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let variables: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    if let Ok(settings) = ExecutorSettings::from_env(variables) {
        assert!(!settings.framework_id.is_empty());
        assert!(!settings.executor_id.is_empty());
        assert!(settings.agent.path.ends_with("/api/v1/executor"));
    }
}
