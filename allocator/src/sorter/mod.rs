//! Sorters: the order in which roles (and, within a role, frameworks) are offered resources.
//!
//! Clients are named by `/`-separated paths (roles like `eng/web`, or framework ids) and form
//! a tree; each node carries the quantities allocated to its subtree. [`DrfSorter`] orders
//! each level by weighted dominant share, incrementally: an allocation moves one node per
//! level into place instead of resorting. [`RandomSorter`] orders clients by a weighted
//! shuffle. Both hand out their order lazily, as a *pass* ([`Sorter::begin_pass`],
//! [`Sorter::next_in_pass`]): every active client once, in order, even while allocations
//! made during the pass reorder the tree.

mod drf;
mod random;
mod tree;

pub use drf::DrfSorter;
pub use random::RandomSorter;

use crate::quantities::{NameId, Quantities};

/// A client of a sorter: stable from `add` until `remove` (then reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(u32);

impl ClientId {
    /// The dense index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Why a client cannot be added.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SorterError {
    /// The path is empty or has an empty or `.` component.
    #[error("'{0}' is not a sorter client path")]
    InvalidPath(String),
    /// A client with this path exists.
    #[error("sorter client '{0}' already exists")]
    DuplicateClient(String),
}

/// What a sorter needs to know up front.
#[derive(Clone, Debug, Default)]
pub struct SorterOptions {
    /// Names left out of dominant shares (`--fair_sharing_excluded_resource_names`).
    pub excluded_names: Vec<NameId>,
    /// Seed of the random sorter's shuffles.
    pub seed: u64,
}

/// An ordering of clients by their allocations.
///
/// Calls naming a removed client are ignored (allocations of unknown clients read as zero):
/// sorters are internal to the allocator, which keeps them consistent.
pub trait Sorter: Send + 'static {
    /// An empty sorter.
    fn new(options: &SorterOptions) -> Self
    where
        Self: Sized;

    /// Adds an inactive client at `path`.
    fn add(&mut self, path: &str) -> Result<ClientId, SorterError>;

    /// Removes a client and its allocation.
    fn remove(&mut self, client: ClientId);

    /// Includes the client in passes.
    fn activate(&mut self, client: ClientId);

    /// Leaves the client out of passes (its allocation still counts).
    fn deactivate(&mut self, client: ClientId);

    /// True for active clients.
    fn is_active(&self, client: ClientId) -> bool;

    /// Sets the weight of the node at `path` (a client or an inner role) and of any node
    /// created there later; default 1.
    fn update_weight(&mut self, path: &str, weight: f64);

    /// The client was allocated `quantities` (counts as one more allocation for ties).
    fn allocated(&mut self, client: ClientId, quantities: &Quantities);

    /// `quantities` of the client's allocation came back.
    fn unallocated(&mut self, client: ClientId, quantities: &Quantities);

    /// Part of the client's allocation changed from `old` to `new` (offer operations).
    fn update(&mut self, client: ClientId, old: &Quantities, new: &Quantities);

    /// What the client (with its subclients) is allocated.
    fn allocation(&self, client: ClientId) -> &Quantities;

    /// What all clients together are allocated.
    fn total_allocation(&self) -> &Quantities;

    /// The pool grew (an agent was added).
    fn add_to_total(&mut self, quantities: &Quantities);

    /// The pool shrank (an agent was removed).
    fn remove_from_total(&mut self, quantities: &Quantities);

    /// The pool.
    fn total(&self) -> &Quantities;

    /// The client's dominant share of the pool, divided by its weight.
    fn dominant_share(&self, client: ClientId) -> f64;

    /// The client at `path`.
    fn lookup(&self, path: &str) -> Option<ClientId>;

    /// The client's path.
    fn path(&self, client: ClientId) -> &str;

    /// How many clients there are.
    fn len(&self) -> usize;

    /// True when there are no clients.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many clients are active.
    fn active_len(&self) -> usize;

    /// Every active client, in order (a whole pass).
    fn sort(&mut self) -> Vec<ClientId> {
        self.begin_pass();
        let mut order = Vec::with_capacity(self.active_len());
        while let Some(client) = self.next_in_pass() {
            order.push(client);
        }
        order
    }

    /// Starts a pass over the active clients.
    fn begin_pass(&mut self);

    /// The next client of the pass, or `None` when every active client was handed out.
    fn next_in_pass(&mut self) -> Option<ClientId>;
}

/// The weighted dominant share of `allocation` in `total`, leaving out `excluded` names.
pub(crate) fn dominant_share(
    allocation: &Quantities,
    total: &Quantities,
    excluded: &[bool],
    weight: f64,
) -> f64 {
    let mut share: f64 = 0.0;
    for (id, amount) in allocation.iter() {
        if excluded.get(id.index()).copied().unwrap_or(false) {
            continue;
        }
        let pool = total.get(id);
        if pool <= 0 {
            continue;
        }
        share = share.max(amount as f64 / pool as f64);
    }
    share / weight
}

pub(crate) fn excluded_table(options: &SorterOptions) -> Vec<bool> {
    let width = options
        .excluded_names
        .iter()
        .map(|id| id.index() + 1)
        .max()
        .unwrap_or(0);
    let mut table = vec![false; width];
    for id in &options.excluded_names {
        table[id.index()] = true;
    }
    table
}

#[cfg(test)]
mod tests;
