//! Entry points shared by the cargo-fuzz targets (`proto/fuzz/`) and the property tests, so
//! CI exercises on random input exactly what the fuzzers run. Each panics only on a broken
//! invariant, never on bad input.

use crate::{codec, json, recordio, v1};

/// Parses `data` as a JSON scheduler `Call`; whatever parses must print and re-parse to the
/// same text, and survive a protobuf round trip.
pub fn scheduler_call_json(data: &[u8]) {
    let Ok(call) = json::from_slice::<v1::scheduler::Call>(data) else {
        return;
    };
    let text = json::to_string(&call);
    assert!(text.is_ascii(), "JSON output must be ASCII");
    let again: v1::scheduler::Call = json::from_str(&text).expect("our own JSON output must parse");
    assert_eq!(json::to_string(&again), text, "JSON output must be stable");
    let bytes = codec::encode(codec::ContentType::Protobuf, &call);
    let decoded: v1::scheduler::Call = codec::decode(codec::ContentType::Protobuf, &bytes)
        .expect("our own protobuf output must decode");
    assert_eq!(decoded, call);
}

/// Feeds `data` to a RecordIO decoder in chunks cut at the positions `data` itself suggests;
/// the records must be the same as when fed in one piece.
pub fn recordio_decoder(data: &[u8]) {
    const MAX_RECORD_LEN: usize = 1 << 16;
    let whole = recordio::Decoder::new(MAX_RECORD_LEN).decode(data);
    let mut decoder = recordio::Decoder::new(MAX_RECORD_LEN);
    let mut pieces = Ok(Vec::new());
    let chunk_len = usize::from(data.first().copied().unwrap_or(1)).max(1);
    for chunk in data.chunks(chunk_len) {
        match decoder.decode(chunk) {
            Ok(records) => {
                if let Ok(all) = pieces.as_mut() {
                    all.extend(records);
                }
            }
            Err(error) => {
                pieces = Err(error);
                break;
            }
        }
    }
    match (whole, pieces) {
        (Ok(whole), Ok(pieces)) => assert_eq!(whole, pieces),
        (Err(_), Err(_)) => {}
        (whole, pieces) => panic!("chunking changed the outcome: {whole:?} vs {pieces:?}"),
    }
}
