//! The random sorter: each pass is a fresh weighted shuffle of the active clients, where a
//! client's chance to come first is its weight relative to its active siblings, multiplied
//! down the tree (Mesos's `RandomSorter` and its `weightedShuffle`).

use std::{cmp::Ordering, collections::BinaryHeap, mem};

use crate::{
    fast::Rng,
    quantities::Quantities,
    sorter::{
        ClientId, Sorter, SorterError, SorterOptions, dominant_share, excluded_table,
        tree::{Kind, ROOT, Tree},
    },
};

/// The random sorter (`--role_sorter=random`, `--framework_sorter=random`).
#[derive(Debug)]
pub struct RandomSorter {
    tree: Tree,
    total: Quantities,
    excluded: Vec<bool>,
    rng: Rng,
    /// Active clients and their relative weights, valid while the tree is not dirty.
    relative: Vec<(ClientId, f64)>,
    pass: BinaryHeap<Keyed>,
    scratch: Vec<u32>,
}

#[derive(Debug)]
struct Keyed {
    key: f64,
    client: ClientId,
}

impl PartialEq for Keyed {
    fn eq(&self, other: &Keyed) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Keyed {}

impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Keyed) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Keyed {
    fn cmp(&self, other: &Keyed) -> Ordering {
        self.key
            .total_cmp(&other.key)
            .then(other.client.cmp(&self.client))
    }
}

impl RandomSorter {
    /// Active leaves and internal nodes with an active leaf below.
    fn active_nodes(&self) -> Vec<bool> {
        let nodes = &self.tree.nodes;
        let mut active = vec![false; nodes.len()];
        // Walk up from every active leaf, stopping at nodes already marked.
        for (index, node) in nodes.iter().enumerate() {
            if node.kind == Kind::ActiveLeaf && node.client.is_some() {
                let mut current = index as u32;
                while (current as usize) < nodes.len() && !active[current as usize] {
                    active[current as usize] = true;
                    if current == ROOT {
                        break;
                    }
                    current = nodes[current as usize].parent;
                }
            }
        }
        active
    }

    fn recompute_relative_weights(&mut self) {
        let active = self.active_nodes();
        self.relative.clear();
        let nodes = &self.tree.nodes;
        let mut pending: Vec<(u32, f64)> = vec![(ROOT, 1.0)];
        while let Some((node, relative)) = pending.pop() {
            let current = &nodes[node as usize];
            if current.kind == Kind::ActiveLeaf {
                if let Some(client) = current.client {
                    self.relative.push((client, relative));
                }
                continue;
            }
            let siblings: f64 = current
                .children
                .iter()
                .filter(|child| active[**child as usize])
                .map(|child| nodes[*child as usize].weight)
                .sum();
            for child in &current.children {
                if active[*child as usize] {
                    let weight = nodes[*child as usize].weight;
                    pending.push((*child, relative * weight / siblings));
                }
            }
        }
        self.tree.dirty = false;
    }
}

impl Sorter for RandomSorter {
    fn new(options: &SorterOptions) -> RandomSorter {
        RandomSorter {
            tree: Tree::new(),
            total: Quantities::new(),
            excluded: excluded_table(options),
            rng: Rng::new(options.seed),
            relative: Vec::new(),
            pass: BinaryHeap::new(),
            scratch: Vec::new(),
        }
    }

    fn add(&mut self, path: &str) -> Result<ClientId, SorterError> {
        self.tree.add(path)
    }

    fn remove(&mut self, client: ClientId) {
        self.tree.remove(client);
    }

    fn activate(&mut self, client: ClientId) {
        if self.tree.activate(client) {
            self.tree.dirty = true;
        }
    }

    fn deactivate(&mut self, client: ClientId) {
        if self.tree.deactivate(client) {
            self.tree.dirty = true;
        }
    }

    fn is_active(&self, client: ClientId) -> bool {
        self.tree.is_active(client)
    }

    fn update_weight(&mut self, path: &str, weight: f64) {
        self.tree.update_weight(path, weight);
    }

    fn allocated(&mut self, client: ClientId, quantities: &Quantities) {
        self.change(client, |allocation| allocation.add(quantities));
    }

    fn unallocated(&mut self, client: ClientId, quantities: &Quantities) {
        self.change(client, |allocation| allocation.subtract(quantities));
    }

    fn update(&mut self, client: ClientId, old: &Quantities, new: &Quantities) {
        self.change(client, |allocation| {
            allocation.subtract(old);
            allocation.add(new);
        });
    }

    fn allocation(&self, client: ClientId) -> &Quantities {
        static NONE: Quantities = Quantities::new();
        self.tree
            .leaf(client)
            .map_or(&NONE, |leaf| &self.tree.nodes[leaf as usize].allocation)
    }

    fn total_allocation(&self) -> &Quantities {
        &self.tree.nodes[ROOT as usize].allocation
    }

    fn add_to_total(&mut self, quantities: &Quantities) {
        self.total.add(quantities);
    }

    fn remove_from_total(&mut self, quantities: &Quantities) {
        self.total.subtract(quantities);
    }

    fn total(&self) -> &Quantities {
        &self.total
    }

    fn dominant_share(&self, client: ClientId) -> f64 {
        self.tree.leaf(client).map_or(0.0, |leaf| {
            let node = &self.tree.nodes[leaf as usize];
            dominant_share(&node.allocation, &self.total, &self.excluded, node.weight)
        })
    }

    fn lookup(&self, path: &str) -> Option<ClientId> {
        self.tree.lookup(path)
    }

    fn path(&self, client: ClientId) -> &str {
        self.tree.client_path(client)
    }

    fn len(&self) -> usize {
        self.tree.client_count()
    }

    fn active_len(&self) -> usize {
        self.tree.active_client_count()
    }

    fn begin_pass(&mut self) {
        if self.tree.dirty {
            self.recompute_relative_weights();
        }
        // Weighted sampling without replacement (Efraimidis-Spirakis): the largest u^(1/w)
        // comes first. A heap makes the pass lazy: building it is linear, each client taken
        // costs a logarithm.
        let mut keyed = mem::take(&mut self.pass).into_vec();
        keyed.clear();
        for (client, weight) in &self.relative {
            let uniform = 1.0 - self.rng.next_f64();
            keyed.push(Keyed {
                key: uniform.powf(1.0 / weight),
                client: *client,
            });
        }
        self.pass = BinaryHeap::from(keyed);
    }

    fn next_in_pass(&mut self) -> Option<ClientId> {
        while let Some(keyed) = self.pass.pop() {
            if self.tree.is_active(keyed.client) {
                return Some(keyed.client);
            }
        }
        None
    }
}

impl RandomSorter {
    fn change(&mut self, client: ClientId, mut apply: impl FnMut(&mut Quantities)) {
        let Some(leaf) = self.tree.leaf(client) else {
            return;
        };
        let mut path = mem::take(&mut self.scratch);
        self.tree.path_to_root(leaf, &mut path);
        path.push(ROOT);
        for node in &path {
            apply(&mut self.tree.nodes[*node as usize].allocation);
        }
        self.scratch = path;
    }
}
