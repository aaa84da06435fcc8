//! Property tests: the parsers of outside input never panic on random bytes or random
//! headers, and what we encode we parse back.

use libprocess::{
    Upid,
    transport::{
        decoder::RequestDecoder,
        fuzz_entry,
        response::{ResponseDecoder, ResponseEvent},
        wire::{self, Classified},
    },
};
use proptest::prelude::*;

proptest! {
    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        fuzz_entry(&data);
    }

    #[test]
    fn random_request_heads_never_panic(
        method in "(GET|POST|PUT|[A-Z]{1,8})",
        path in "/[ -~]{0,40}",
        headers in proptest::collection::vec(("[A-Za-z-]{1,20}", "[ -~]{0,40}"), 0..8),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut request = format!("{method} {path} HTTP/1.1\r\n");
        for (name, value) in &headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(&body);
        fuzz_entry(&bytes);
    }

    #[test]
    fn random_upid_text_never_panics(text in "\\PC{0,40}") {
        let _ = text.parse::<Upid>();
    }

    #[test]
    fn encoded_messages_parse_back(
        from_id in "[a-z][a-z0-9()_-]{0,15}",
        to_id in "[a-z][a-z0-9()_-]{0,15}",
        name in "[a-zA-Z][a-zA-Z0-9._/]{0,30}",
        port in 1u16..,
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let from = Upid::new(from_id, ([10, 0, 0, 1], port).into());
        let to = Upid::new(to_id.clone(), ([10, 0, 0, 2], 5050).into());
        let bytes = wire::encode_message_bytes(&from, &to, &name, &body);
        let mut decoder = RequestDecoder::new(1 << 20);
        let mut buffer = bytes::BytesMut::from(&bytes[..]);
        let request = decoder.decode(&mut buffer).unwrap().unwrap();
        prop_assert_eq!(&request.body[..], &body[..]);
        let classified = wire::classify(&request.method, request.path(), |n| request.header(n)).unwrap();
        let Classified::Message(envelope) = classified else { panic!("not a message") };
        prop_assert_eq!(envelope.from, from);
        prop_assert_eq!(envelope.to_id, to_id);
        prop_assert_eq!(envelope.name, name);
    }

    #[test]
    fn random_response_heads_never_panic(
        status in "[0-9]{1,4}",
        headers in proptest::collection::vec(("[A-Za-z-]{1,20}", "[ -~]{0,40}"), 0..8),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut response = format!("HTTP/1.1 {status} X\r\n");
        for (name, value) in &headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        let mut bytes = response.into_bytes();
        bytes.extend_from_slice(&body);
        fuzz_entry(&bytes);
    }

    #[test]
    fn chunked_responses_decode_to_their_body_however_they_arrive(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..40), 0..8),
        extension in "(;[a-z]{1,5}(=[a-z0-9]{1,5})?)?",
        trailer in "([A-Z][a-z]{1,8}: [a-z]{0,8}\r\n)?",
        piece in 1usize..17,
    ) {
        let mut wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for chunk in &chunks {
            wire.extend_from_slice(format!("{:x}{extension}\r\n", chunk.len()).as_bytes());
            wire.extend_from_slice(chunk);
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(format!("0\r\n{trailer}\r\n").as_bytes());
        let mut decoder = ResponseDecoder::new();
        let mut buffer = bytes::BytesMut::new();
        let (mut body, mut ended, mut complete_chunks) = (Vec::new(), false, 0);
        for bytes in wire.chunks(piece) {
            buffer.extend_from_slice(bytes);
            while let Some(event) = decoder.decode(&mut buffer).unwrap() {
                match event {
                    ResponseEvent::Head(head) => prop_assert_eq!(head.status, 200),
                    ResponseEvent::Data { bytes, chunk_complete } => {
                        body.extend_from_slice(&bytes);
                        complete_chunks += usize::from(chunk_complete);
                    }
                    ResponseEvent::End => ended = true,
                }
            }
        }
        prop_assert!(ended);
        prop_assert!(decoder.is_idle() && buffer.is_empty());
        prop_assert_eq!(complete_chunks, chunks.len());
        prop_assert_eq!(body, chunks.concat());
    }
}
