//! Random identifiers the agent makes up: container ids and status-update uuids (UUID v4),
//! plus the jitter of registration backoff, all from one seedable source so tests replay.

/// The agent's source of randomness. Seeded from the OS unless a seed is given.
#[derive(Debug)]
pub struct RandomSource {
    rng: fastrand::Rng,
}

impl RandomSource {
    /// A source seeded with `seed`, or from the OS when `None`.
    pub fn new(seed: Option<u64>) -> Self {
        Self {
            rng: match seed {
                Some(seed) => fastrand::Rng::with_seed(seed),
                None => fastrand::Rng::new(),
            },
        }
    }

    /// Sixteen random bytes shaped as a version-4 UUID (what Mesos's `UUID::random` gives).
    pub fn uuid_bytes(&mut self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        self.rng.fill(&mut bytes);
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        bytes
    }

    /// A random UUID in its text form (`8-4-4-4-12` lowercase hex), e.g. for container ids.
    pub fn uuid_string(&mut self) -> String {
        format_uuid(&self.uuid_bytes())
    }

    /// A number uniformly drawn from `[0, 1)`.
    pub fn fraction(&mut self) -> f64 {
        self.rng.f64()
    }
}

/// The text form of 16 UUID bytes; other lengths are shown as plain hex.
pub fn format_uuid(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    if bytes.len() != 16 {
        return hex;
    }
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_seeded_sources_replay() {
        let mut first = RandomSource::new(Some(7));
        let mut second = RandomSource::new(Some(7));
        let bytes = first.uuid_bytes();
        assert_eq!(bytes, second.uuid_bytes());
        assert_eq!(bytes[6] >> 4, 4);
        assert_eq!(bytes[8] >> 6, 0b10);
        let text = first.uuid_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text.matches('-').count(), 4);
        assert_eq!(&text[14..15], "4");
        assert_ne!(text, format_uuid(&bytes));
        let fraction = first.fraction();
        assert!((0.0..1.0).contains(&fraction));
    }

    #[test]
    fn formats_like_mesos() {
        let bytes: Vec<u8> = (0u8..16).collect();
        assert_eq!(format_uuid(&bytes), "00010203-0405-0607-0809-0a0b0c0d0e0f");
        assert_eq!(format_uuid(&[0xab, 0x01]), "ab01");
    }
}
