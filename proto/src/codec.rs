//! Content types of the v1 HTTP APIs: parsing `Content-Type`, negotiating `Accept`, and
//! decoding or encoding a message in the chosen type.

use std::fmt;

use bytes::Bytes;
use prost_reflect::{DynamicMessage, ReflectMessage};

use crate::json::{self, JsonError};

/// `application/json`.
pub const APPLICATION_JSON: &str = "application/json";
/// `application/x-protobuf`.
pub const APPLICATION_PROTOBUF: &str = "application/x-protobuf";
/// `application/recordio`: the outer type of the agent's streaming requests and responses,
/// whose records are in the type named by the `Message-Content-Type` / `Message-Accept`
/// headers.
pub const APPLICATION_RECORDIO: &str = "application/recordio";

/// A message encoding the v1 APIs speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContentType {
    /// Mesos's JSON mapping (see [`crate::json`]).
    Json,
    /// Protobuf binary encoding.
    Protobuf,
}

impl ContentType {
    /// The type named by a `Content-Type` header value, which must be exactly
    /// `application/json` or `application/x-protobuf` (as Mesos requires; anything else
    /// deserves a 415).
    pub fn from_header(value: &str) -> Option<Self> {
        match value {
            APPLICATION_JSON => Some(Self::Json),
            APPLICATION_PROTOBUF => Some(Self::Protobuf),
            _ => None,
        }
    }

    /// The media type, as sent in headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => APPLICATION_JSON,
            Self::Protobuf => APPLICATION_PROTOBUF,
        }
    }

    /// Chooses the response encoding from an `Accept` header: JSON if acceptable, else
    /// protobuf if acceptable, else `None` (answer 406). A missing header accepts anything.
    pub fn negotiate(accept: Option<&str>) -> Option<Self> {
        let Some(accept) = accept else {
            return Some(Self::Json);
        };
        [Self::Json, Self::Protobuf]
            .into_iter()
            .find(|candidate| accepts(accept, candidate.as_str()))
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Whether an `Accept` header value admits `media_type` (`type/subtype`): the most specific
/// matching range (`type/subtype`, then `type/*`, then `*/*`) decides, and it must not have
/// `q=0`.
pub fn accepts(accept: &str, media_type: &str) -> bool {
    let Some((wanted_type, wanted_subtype)) = media_type.split_once('/') else {
        return false;
    };
    let mut best: Option<(u8, bool)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let Some((range_type, range_subtype)) = parts
            .next()
            .map(str::trim)
            .and_then(|range| range.split_once('/'))
        else {
            continue;
        };
        let specificity = match (range_type.trim(), range_subtype.trim()) {
            (t, s)
                if t.eq_ignore_ascii_case(wanted_type)
                    && s.eq_ignore_ascii_case(wanted_subtype) =>
            {
                3
            }
            (t, "*") if t.eq_ignore_ascii_case(wanted_type) => 2,
            ("*", "*") => 1,
            _ => continue,
        };
        let acceptable = parts
            .filter_map(|parameter| parameter.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, value)| value.trim().parse::<f64>().ok())
            .is_none_or(|quality| quality > 0.0);
        if best.is_none_or(|(best_specificity, _)| specificity > best_specificity) {
            best = Some((specificity, acceptable));
        }
    }
    best.is_some_and(|(_, acceptable)| acceptable)
}

/// Why a request body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The JSON body is invalid (see [`JsonError`], which names the field).
    #[error(transparent)]
    Json(#[from] JsonError),
    /// The protobuf body is not a valid encoding of the message.
    #[error("invalid protobuf: {0}")]
    Protobuf(#[from] prost::DecodeError),
    /// The protobuf body lacks a `required` field.
    #[error("invalid protobuf: missing required field '{path}'")]
    MissingRequiredField {
        /// The field's path.
        path: String,
    },
}

/// Decodes a message from a body in `content_type`. Like Mesos's parsers, both encodings
/// insist on `required` fields.
///
/// # Errors
/// [`DecodeError`] naming what is wrong.
pub fn decode<M: ReflectMessage + Default>(
    content_type: ContentType,
    body: &[u8],
) -> Result<M, DecodeError> {
    match content_type {
        ContentType::Json => Ok(json::from_slice(body)?),
        ContentType::Protobuf => {
            // Presence is checked on the bytes: prost fills absent required fields in with
            // defaults, so the decoded struct cannot tell.
            let dynamic = DynamicMessage::decode(M::default().descriptor(), body)?;
            if let Some(path) = json::missing_required_field(&dynamic) {
                return Err(DecodeError::MissingRequiredField { path });
            }
            Ok(M::decode(body)?)
        }
    }
}

/// Encodes a message in `content_type`.
pub fn encode<M: ReflectMessage>(content_type: ContentType, message: &M) -> Bytes {
    match content_type {
        ContentType::Json => Bytes::from(json::to_string(message)),
        ContentType::Protobuf => Bytes::from(message.encode_to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_must_match_exactly() {
        assert_eq!(
            ContentType::from_header("application/json"),
            Some(ContentType::Json)
        );
        assert_eq!(
            ContentType::from_header("application/x-protobuf"),
            Some(ContentType::Protobuf)
        );
        assert_eq!(
            ContentType::from_header("application/json; charset=utf-8"),
            None
        );
        assert_eq!(ContentType::from_header("text/plain"), None);
    }

    #[test]
    fn negotiation_prefers_json_and_honours_q_zero() {
        assert_eq!(ContentType::negotiate(None), Some(ContentType::Json));
        assert_eq!(ContentType::negotiate(Some("*/*")), Some(ContentType::Json));
        assert_eq!(
            ContentType::negotiate(Some("application/x-protobuf")),
            Some(ContentType::Protobuf)
        );
        assert_eq!(
            ContentType::negotiate(Some("application/x-protobuf, application/json")),
            Some(ContentType::Json)
        );
        assert_eq!(
            ContentType::negotiate(Some("application/*;q=0.5, application/json;q=0")),
            Some(ContentType::Protobuf)
        );
        assert_eq!(ContentType::negotiate(Some("text/html")), None);
        assert_eq!(ContentType::negotiate(Some("")), None);
    }
}
