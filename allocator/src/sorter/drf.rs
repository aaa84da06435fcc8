//! Weighted dominant resource fairness, kept sorted incrementally: each level's children stay
//! ordered by (share, allocation count, path); an allocation moves the client and its
//! ancestors to their new places (a binary search and a rotation each), and only changes to
//! the pool, weights or membership mark the tree for a full resort.

use std::{cmp::Ordering, mem};

use crate::{
    quantities::Quantities,
    sorter::{
        ClientId, Sorter, SorterError, SorterOptions, dominant_share, excluded_table,
        tree::{Kind, Node, ROOT, Tree},
    },
};

/// The DRF sorter (`--role_sorter=drf`, `--framework_sorter=drf`).
#[derive(Debug)]
pub struct DrfSorter {
    tree: Tree,
    total: Quantities,
    excluded: Vec<bool>,
    generation: u32,
    stack: Vec<(u32, usize)>,
    scratch: Vec<u32>,
}

/// Mesos's `compareDRF`: lower share first, then fewer allocations, then path (by the
/// node's rank among its siblings, which orders them by path).
#[inline]
fn compare(left: &Node, right: &Node) -> Ordering {
    left.share
        .total_cmp(&right.share)
        .then(left.count.cmp(&right.count))
        .then(left.rank.cmp(&right.rank))
}

impl DrfSorter {
    fn share_of(&self, node: u32) -> f64 {
        let node = &self.tree.nodes[node as usize];
        dominant_share(&node.allocation, &self.total, &self.excluded, node.weight)
    }

    /// Recomputes every share and sorts every level (ranking siblings by path first if the
    /// membership changed).
    fn resort(&mut self) {
        let rerank = self.tree.membership_changed;
        let mut pending = vec![ROOT];
        while let Some(node) = pending.pop() {
            let mut children = mem::take(&mut self.tree.nodes[node as usize].children);
            for child in &children {
                let share = self.share_of(*child);
                self.tree.nodes[*child as usize].share = share;
            }
            if rerank {
                let nodes = &self.tree.nodes;
                children
                    .make_contiguous()
                    .sort_unstable_by(|a, b| nodes[*a as usize].path.cmp(&nodes[*b as usize].path));
                for (rank, child) in children.iter().enumerate() {
                    self.tree.nodes[*child as usize].rank = rank as u32;
                }
            }
            let nodes = &self.tree.nodes;
            children
                .make_contiguous()
                .sort_unstable_by(|a, b| compare(&nodes[*a as usize], &nodes[*b as usize]));
            pending.extend(
                children
                    .iter()
                    .copied()
                    .filter(|child| nodes[*child as usize].kind == Kind::Internal),
            );
            self.tree.nodes[node as usize].children = children;
        }
        self.tree.dirty = false;
        self.tree.membership_changed = false;
    }

    /// Adds `quantities` to `node` (one more allocation) and moves it right to its new place
    /// among its siblings. Keys only grow here, so the node never moves left. `hint` is where
    /// the node probably is (the pass cursor), checked before it is trusted.
    fn grow_and_reposition(&mut self, node: u32, quantities: &Quantities, hint: Option<usize>) {
        let parent = self.tree.nodes[node as usize].parent as usize;
        let mut siblings = mem::take(&mut self.tree.nodes[parent].children);
        let nodes = &self.tree.nodes;
        let position = match hint {
            Some(hint) if siblings.get(hint) == Some(&node) => Some(hint),
            _ => siblings
                .binary_search_by(|probe| compare(&nodes[*probe as usize], &nodes[node as usize]))
                .ok()
                .or_else(|| siblings.iter().position(|sibling| *sibling == node)),
        };
        {
            let grown = &mut self.tree.nodes[node as usize];
            grown.allocation.add(quantities);
            grown.count += 1;
        }
        let share = self.share_of(node);
        self.tree.nodes[node as usize].share = share;
        if let Some(position) = position {
            siblings.remove(position);
            // The first sibling from `position` on that does not sort before the node.
            let nodes = &self.tree.nodes;
            let moved = &nodes[node as usize];
            let (mut low, mut high) = (position, siblings.len());
            while low < high {
                let middle = low + (high - low) / 2;
                if compare(&nodes[siblings[middle] as usize], moved) == Ordering::Less {
                    low = middle + 1;
                } else {
                    high = middle;
                }
            }
            siblings.insert(low, node);
        }
        self.tree.nodes[parent].children = siblings;
    }
}

impl Sorter for DrfSorter {
    fn new(options: &SorterOptions) -> DrfSorter {
        DrfSorter {
            tree: Tree::new(),
            total: Quantities::new(),
            excluded: excluded_table(options),
            generation: 0,
            stack: Vec::new(),
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
        self.tree.deactivate(client);
    }

    fn is_active(&self, client: ClientId) -> bool {
        self.tree.is_active(client)
    }

    fn update_weight(&mut self, path: &str, weight: f64) {
        self.tree.update_weight(path, weight);
    }

    fn allocated(&mut self, client: ClientId, quantities: &Quantities) {
        let Some(leaf) = self.tree.leaf(client) else {
            return;
        };
        let mut path = mem::take(&mut self.scratch);
        self.tree.path_to_root(leaf, &mut path);
        for (level, node) in path.iter().enumerate() {
            let kind = self.tree.nodes[*node as usize].kind;
            if !self.tree.dirty && kind != Kind::InactiveLeaf {
                // During a pass the cursor stack holds each level's position.
                let hint = self
                    .stack
                    .len()
                    .checked_sub(level + 1)
                    .map(|frame| self.stack[frame].1);
                self.grow_and_reposition(*node, quantities, hint);
            } else {
                let grown = &mut self.tree.nodes[*node as usize];
                grown.allocation.add(quantities);
                grown.count += 1;
            }
        }
        let root = &mut self.tree.nodes[ROOT as usize];
        root.allocation.add(quantities);
        root.count += 1;
        self.scratch = path;
    }

    fn unallocated(&mut self, client: ClientId, quantities: &Quantities) {
        let Some(leaf) = self.tree.leaf(client) else {
            return;
        };
        let mut path = mem::take(&mut self.scratch);
        self.tree.path_to_root(leaf, &mut path);
        path.push(ROOT);
        for node in &path {
            self.tree.nodes[*node as usize]
                .allocation
                .subtract(quantities);
        }
        self.scratch = path;
        self.tree.dirty = true;
    }

    fn update(&mut self, client: ClientId, old: &Quantities, new: &Quantities) {
        let Some(leaf) = self.tree.leaf(client) else {
            return;
        };
        let mut path = mem::take(&mut self.scratch);
        self.tree.path_to_root(leaf, &mut path);
        path.push(ROOT);
        for node in &path {
            let allocation = &mut self.tree.nodes[*node as usize].allocation;
            allocation.subtract(old);
            allocation.add(new);
        }
        self.scratch = path;
        self.tree.dirty = true;
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
        self.tree.dirty = true;
    }

    fn remove_from_total(&mut self, quantities: &Quantities) {
        self.total.subtract(quantities);
        self.tree.dirty = true;
    }

    fn total(&self) -> &Quantities {
        &self.total
    }

    fn dominant_share(&self, client: ClientId) -> f64 {
        self.tree
            .leaf(client)
            .map_or(0.0, |leaf| self.share_of(leaf))
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
            self.resort();
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            for node in &mut self.tree.nodes {
                node.visited = 0;
            }
            self.generation = 1;
        }
        self.stack.clear();
        self.stack.push((ROOT, 0));
    }

    fn next_in_pass(&mut self) -> Option<ClientId> {
        // Allocations during the pass only move nodes right, so a node at or after the
        // cursor that was already handed out is skipped by its stamp, and the cursor itself
        // advances only past visited nodes.
        while let Some((node, index)) = self.stack.last().copied() {
            let children = &self.tree.nodes[node as usize].children;
            let Some(&child) = children.get(index) else {
                self.stack.pop();
                continue;
            };
            let top = self.stack.len() - 1;
            let child_node = &mut self.tree.nodes[child as usize];
            if child_node.visited == self.generation {
                self.stack[top].1 += 1;
                continue;
            }
            child_node.visited = self.generation;
            match child_node.kind {
                Kind::Internal => self.stack.push((child, 0)),
                Kind::ActiveLeaf => {
                    if let Some(client) = child_node.client {
                        return Some(client);
                    }
                }
                Kind::InactiveLeaf => {}
            }
        }
        None
    }
}
