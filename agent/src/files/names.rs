//! Owner and group names for file listings (Mesos's `createFileInfo` asks `getpwuid` and
//! `getgrgid`, falling back to the number), looked up once per id per listing.

use std::collections::HashMap;

use nix::unistd::{Gid, Group, Uid, User};

/// A per-listing cache of user and group names.
#[derive(Debug, Default)]
pub struct OwnerNames {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

impl OwnerNames {
    /// The name of user `uid`, or the number when it has none.
    pub fn user(&mut self, uid: u32) -> String {
        self.users
            .entry(uid)
            .or_insert_with(|| match User::from_uid(Uid::from_raw(uid)) {
                Ok(Some(user)) => user.name,
                _ => uid.to_string(),
            })
            .clone()
    }

    /// The name of group `gid`, or the number when it has none.
    pub fn group(&mut self, gid: u32) -> String {
        self.groups
            .entry(gid)
            .or_insert_with(|| match Group::from_gid(Gid::from_raw(gid)) {
                Ok(Some(group)) => group.name,
                _ => gid.to_string(),
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_has_a_name_and_unknown_ids_are_numbers() {
        let mut names = OwnerNames::default();
        assert_eq!(names.user(0), "root");
        assert_eq!(names.user(4_000_000_000), "4000000000");
        assert_eq!(names.group(4_000_000_001), "4000000001");
    }
}
