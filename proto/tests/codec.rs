//! The content-type codec: both encodings decode what the other encodes, and both insist on
//! required fields as Mesos's parsers do.

use prost::Message;
use proto::codec::{self, ContentType, DecodeError};
use proto::v1::scheduler::{Call, call};
use proto::v1::{FrameworkId, OfferId};

fn decline() -> Call {
    Call {
        framework_id: Some(FrameworkId {
            value: "f".to_owned(),
        }),
        r#type: Some(call::Type::Decline as i32),
        decline: Some(call::Decline {
            offer_ids: vec![OfferId {
                value: "o".to_owned(),
            }],
            filters: None,
        }),
        ..Default::default()
    }
}

#[test]
fn both_encodings_round_trip() {
    for content_type in [ContentType::Json, ContentType::Protobuf] {
        let body = codec::encode(content_type, &decline());
        assert_eq!(
            codec::decode::<Call>(content_type, &body).unwrap(),
            decline()
        );
    }
    assert_eq!(
        &codec::encode(ContentType::Json, &decline())[..],
        br#"{"framework_id":{"value":"f"},"type":"DECLINE","decline":{"offer_ids":[{"value":"o"}]}}"#
    );
}

#[test]
fn protobuf_bodies_missing_required_fields_are_rejected() {
    // A Call whose OfferID lacks its required value, as another encoder could send.
    let mut call = decline();
    call.decline = Some(call::Decline {
        offer_ids: vec![OfferId::default()],
        filters: None,
    });
    let mut bytes = call.encode_to_vec();
    // prost writes empty required strings; drop the OfferID's bytes to make it truly unset.
    let empty_offer_id = [0x0a, 0x02, 0x0a, 0x00];
    let position = bytes
        .windows(4)
        .position(|window| window == empty_offer_id)
        .unwrap();
    bytes.splice(position..position + 4, [0x0a, 0x00]);
    let decline_len_position = position - 1;
    bytes[decline_len_position] -= 2;

    let error = codec::decode::<Call>(ContentType::Protobuf, &bytes).unwrap_err();
    assert!(
        matches!(error, DecodeError::MissingRequiredField { ref path }
                     if path == "decline.offer_ids[0].value"),
        "{error}"
    );
}

#[test]
fn garbage_is_an_error_in_either_encoding() {
    assert!(matches!(
        codec::decode::<Call>(ContentType::Protobuf, b"\xff\xff\xff"),
        Err(DecodeError::Protobuf(_))
    ));
    assert!(matches!(
        codec::decode::<Call>(ContentType::Json, b"\xff"),
        Err(DecodeError::Json(_))
    ));
}
