//! Generated process ids of the form `prefix(N)`, counted per prefix and per runtime.

use std::collections::HashMap;

use parking_lot::Mutex;

/// Hands out `prefix(1)`, `prefix(2)`, ... with one counter per prefix, as Mesos's
/// `ID::generate` does.
#[derive(Default)]
pub(crate) struct IdGenerator {
    counters: Mutex<HashMap<String, u64>>,
}

impl IdGenerator {
    /// The next id for `prefix`.
    pub(crate) fn generate(&self, prefix: &str) -> String {
        let mut counters = self.counters.lock();
        let counter = counters.entry(prefix.to_owned()).or_insert(0);
        *counter += 1;
        format!("{prefix}({counter})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_prefix_from_one() {
        let ids = IdGenerator::default();
        assert_eq!(ids.generate("slave"), "slave(1)");
        assert_eq!(ids.generate("slave"), "slave(2)");
        assert_eq!(ids.generate("executor"), "executor(1)");
    }
}
