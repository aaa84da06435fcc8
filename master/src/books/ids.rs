//! The master's id scheme, as Mesos's: a random UUID for the master, `<master>-S<n>` for agents,
//! `<master>-<nnnn>` for frameworks and `<master>-O<n>` for offers.

/// Hands out agent, framework and offer ids under one master id.
#[derive(Clone, Debug)]
pub struct IdGenerator {
    master_id: String,
    next_agent: u64,
    next_framework: u64,
    next_offer: u64,
}

impl IdGenerator {
    /// Ids under `master_id`, each counter starting at 0.
    pub fn new(master_id: impl Into<String>) -> IdGenerator {
        IdGenerator {
            master_id: master_id.into(),
            next_agent: 0,
            next_framework: 0,
            next_offer: 0,
        }
    }

    /// A fresh random master id.
    pub fn random_master_id() -> String {
        uuid::Uuid::new_v4().to_string()
    }

    /// The master id.
    pub fn master_id(&self) -> &str {
        &self.master_id
    }

    /// The next agent id: `<master>-S0`, `<master>-S1`, ...
    pub fn next_agent_id(&mut self) -> String {
        let id = format!("{}-S{}", self.master_id, self.next_agent);
        self.next_agent += 1;
        id
    }

    /// The next framework id: `<master>-0000`, `<master>-0001`, ...
    pub fn next_framework_id(&mut self) -> String {
        let id = format!("{}-{:04}", self.master_id, self.next_framework);
        self.next_framework += 1;
        id
    }

    /// The next offer id: `<master>-O0`, `<master>-O1`, ...
    pub fn next_offer_id(&mut self) -> String {
        let id = format!("{}-O{}", self.master_id, self.next_offer);
        self.next_offer += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_mesos() {
        let mut ids = IdGenerator::new("m");
        assert_eq!(ids.next_agent_id(), "m-S0");
        assert_eq!(ids.next_agent_id(), "m-S1");
        assert_eq!(ids.next_framework_id(), "m-0000");
        assert_eq!(ids.next_offer_id(), "m-O0");
        assert_eq!(IdGenerator::random_master_id().len(), 36);
    }
}
