//! Who is linked to whom: local links end when a process terminates, remote links when the
//! connection to the linked address breaks.

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
};

use parking_lot::{Mutex, MutexGuard};

use crate::Upid;

#[derive(Default)]
pub(crate) struct LinkTable {
    /// Local linkee -> its linkers.
    local: HashMap<Upid, HashSet<Upid>>,
    /// Remote address -> linkee at that address -> its linkers.
    remote: HashMap<SocketAddr, HashMap<Upid, HashSet<Upid>>>,
}

impl LinkTable {
    pub(crate) fn add_local(&mut self, linker: &Upid, linkee: &Upid) {
        self.local
            .entry(linkee.clone())
            .or_default()
            .insert(linker.clone());
    }

    pub(crate) fn add_remote(&mut self, linker: &Upid, linkee: &Upid) {
        self.remote
            .entry(linkee.address())
            .or_default()
            .entry(linkee.clone())
            .or_default()
            .insert(linker.clone());
    }

    /// Removes `terminated` both as a linkee (returning its linkers) and as a linker.
    pub(crate) fn take_terminated(&mut self, terminated: &Upid) -> Vec<Upid> {
        let linkers = self
            .local
            .remove(terminated)
            .map(|set| set.into_iter().collect())
            .unwrap_or_default();
        for linkers in self.local.values_mut() {
            linkers.remove(terminated);
        }
        self.local.retain(|_, linkers| !linkers.is_empty());
        for linkees in self.remote.values_mut() {
            for linkers in linkees.values_mut() {
                linkers.remove(terminated);
            }
            linkees.retain(|_, linkers| !linkers.is_empty());
        }
        self.remote.retain(|_, linkees| !linkees.is_empty());
        linkers
    }

    /// Removes every link to `address`, returning `(linkee, linker)` pairs.
    pub(crate) fn take_address(&mut self, address: SocketAddr) -> Vec<(Upid, Upid)> {
        let Some(linkees) = self.remote.remove(&address) else {
            return Vec::new();
        };
        linkees
            .into_iter()
            .flat_map(|(linkee, linkers)| linkers.into_iter().map(move |l| (linkee.clone(), l)))
            .collect()
    }
}

/// The link table of one runtime.
#[derive(Default)]
pub(crate) struct Links {
    table: Mutex<LinkTable>,
}

impl Links {
    pub(crate) fn lock(&self) -> MutexGuard<'_, LinkTable> {
        self.table.lock()
    }

    /// `linker` stops hearing about `linkee`.
    pub(crate) fn forget(&self, linker: &Upid, linkee: &Upid) {
        let mut table = self.table.lock();
        if let Some(linkers) = table.local.get_mut(linkee) {
            linkers.remove(linker);
            if linkers.is_empty() {
                table.local.remove(linkee);
            }
        }
        if let Some(linkees) = table.remote.get_mut(&linkee.address()) {
            if let Some(linkers) = linkees.get_mut(linkee) {
                linkers.remove(linker);
                if linkers.is_empty() {
                    linkees.remove(linkee);
                }
            }
            if linkees.is_empty() {
                table.remote.remove(&linkee.address());
            }
        }
    }
}
