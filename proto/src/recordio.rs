//! RecordIO framing of the v1 streaming APIs: each record is `<decimal length>\n<bytes>`, with
//! no separator after the bytes.

use bytes::{Buf as _, Bytes, BytesMut};

/// Frames one record.
pub fn encode(record: &[u8]) -> Bytes {
    let header = format!("{}\n", record.len());
    let mut framed = BytesMut::with_capacity(header.len() + record.len());
    framed.extend_from_slice(header.as_bytes());
    framed.extend_from_slice(record);
    framed.freeze()
}

/// Why a RecordIO stream cannot be decoded. After an error the decoder stays failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordIoError {
    /// The length line holds something other than decimal digits.
    #[error("malformed RecordIO length line {line:?}: expected decimal digits then a newline")]
    MalformedLength {
        /// The offending line (lossily decoded, truncated to a few dozen bytes).
        line: String,
    },
    /// A record of length zero (Mesos never sends one).
    #[error("RecordIO record length must not be zero")]
    ZeroLength,
    /// A record longer than the decoder accepts.
    #[error("RecordIO record of {length} bytes exceeds the limit of {max} bytes")]
    RecordTooLarge {
        /// The announced length.
        length: u64,
        /// The decoder's limit.
        max: usize,
    },
    /// An earlier call failed; the stream cannot be resynchronised.
    #[error("RecordIO decoder failed earlier: {0}")]
    Failed(Box<RecordIoError>),
}

/// Longest length line we accept: `u64::MAX` has 20 digits.
const MAX_LENGTH_DIGITS: usize = 20;

/// An incremental RecordIO decoder: feed it chunks as they arrive, get whole records back.
#[derive(Debug)]
pub struct Decoder {
    max_record_len: usize,
    buffer: BytesMut,
    /// Length of the record being read, once its length line is complete.
    pending_length: Option<usize>,
    failure: Option<RecordIoError>,
}

impl Decoder {
    /// A decoder that rejects records longer than `max_record_len` bytes.
    pub fn new(max_record_len: usize) -> Self {
        Self {
            max_record_len,
            buffer: BytesMut::new(),
            pending_length: None,
            failure: None,
        }
    }

    /// Consumes `chunk` and returns every record it completes, in order.
    ///
    /// # Errors
    /// [`RecordIoError`] on a malformed, zero or oversized length; every later call then
    /// returns [`RecordIoError::Failed`].
    pub fn decode(&mut self, chunk: &[u8]) -> Result<Vec<Bytes>, RecordIoError> {
        if let Some(failure) = &self.failure {
            return Err(RecordIoError::Failed(Box::new(failure.clone())));
        }
        self.buffer.extend_from_slice(chunk);
        let mut records = Vec::new();
        loop {
            match self.pending_length {
                None => match self.read_length_line() {
                    Ok(Some(length)) => self.pending_length = Some(length),
                    Ok(None) => break,
                    Err(error) => {
                        self.failure = Some(error.clone());
                        self.buffer.clear();
                        return Err(error);
                    }
                },
                Some(length) if self.buffer.len() >= length => {
                    records.push(self.buffer.split_to(length).freeze());
                    self.pending_length = None;
                }
                Some(_) => break,
            }
        }
        Ok(records)
    }

    /// True when the decoder holds part of a record (a stream ending now was cut short).
    pub fn has_partial_record(&self) -> bool {
        self.pending_length.is_some() || !self.buffer.is_empty()
    }

    /// Parses a complete length line off the buffer, if there is one.
    fn read_length_line(&mut self) -> Result<Option<usize>, RecordIoError> {
        let Some(newline) = self.buffer.iter().position(|byte| *byte == b'\n') else {
            if self.buffer.len() > MAX_LENGTH_DIGITS || !self.buffer.iter().all(u8::is_ascii_digit)
            {
                return Err(self.malformed(self.buffer.len()));
            }
            return Ok(None);
        };
        let line = &self.buffer[..newline];
        if line.is_empty() || line.len() > MAX_LENGTH_DIGITS || !line.iter().all(u8::is_ascii_digit)
        {
            return Err(self.malformed(newline));
        }
        let digits = std::str::from_utf8(line).map_err(|_| self.malformed(newline))?;
        let length: u64 = digits.parse().map_err(|_| self.malformed(newline))?;
        if length == 0 {
            return Err(RecordIoError::ZeroLength);
        }
        let max = self.max_record_len;
        let length = usize::try_from(length)
            .ok()
            .filter(|length| *length <= max)
            .ok_or(RecordIoError::RecordTooLarge { length, max })?;
        self.buffer.advance(newline + 1);
        Ok(Some(length))
    }

    fn malformed(&self, end: usize) -> RecordIoError {
        let shown = &self.buffer[..end.min(40)];
        RecordIoError::MalformedLength {
            line: String::from_utf8_lossy(shown).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_length_newline_record() {
        assert_eq!(&encode(b"hello")[..], b"5\nhello");
    }

    #[test]
    fn decodes_records_split_at_every_byte() {
        let mut stream = encode(b"{\"type\":\"HEARTBEAT\"}").to_vec();
        stream.extend_from_slice(&encode(b"x"));
        let mut decoder = Decoder::new(1024);
        let mut records = Vec::new();
        for byte in &stream {
            records.extend(decoder.decode(std::slice::from_ref(byte)).unwrap());
        }
        assert_eq!(
            records,
            vec![
                Bytes::from_static(b"{\"type\":\"HEARTBEAT\"}"),
                Bytes::from_static(b"x")
            ]
        );
        assert!(!decoder.has_partial_record());
    }

    #[test]
    fn rejects_bad_lengths_and_stays_failed() {
        let mut decoder = Decoder::new(4);
        assert_eq!(
            decoder.decode(b"5\nhello"),
            Err(RecordIoError::RecordTooLarge { length: 5, max: 4 })
        );
        assert!(matches!(
            decoder.decode(b"1\na"),
            Err(RecordIoError::Failed(_))
        ));
        assert_eq!(
            Decoder::new(4).decode(b"0\n"),
            Err(RecordIoError::ZeroLength)
        );
        assert!(matches!(
            Decoder::new(4).decode(b"1x\na"),
            Err(RecordIoError::MalformedLength { .. })
        ));
        assert!(matches!(
            Decoder::new(4).decode(b"abc"),
            Err(RecordIoError::MalformedLength { .. })
        ));
        assert!(matches!(
            Decoder::new(4).decode(b"\n"),
            Err(RecordIoError::MalformedLength { .. })
        ));
    }
}
