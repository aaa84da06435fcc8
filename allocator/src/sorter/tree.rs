//! The client tree both sorters share: clients are leaves named by `/`-separated paths, a
//! client that also has subclients lives on as a virtual leaf `.` under its internal node (as
//! in Mesos's sorters), and every node carries the allocation of its subtree.

use std::{collections::VecDeque, sync::Arc};

use crate::{
    fast::FastMap,
    quantities::Quantities,
    sorter::{ClientId, SorterError},
};

pub(super) const ROOT: u32 = 0;
const NO_PARENT: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    ActiveLeaf,
    InactiveLeaf,
    Internal,
}

#[derive(Debug)]
pub(super) struct Node {
    /// The edge label from the parent (`.` for a virtual leaf).
    pub(super) name: Arc<str>,
    /// The full path, with the trailing `.` for virtual leaves (the DRF tie-breaker).
    pub(super) path: Arc<str>,
    pub(super) parent: u32,
    pub(super) kind: Kind,
    /// Active leaves and internal nodes (kept sorted by the DRF sorter when not dirty). A
    /// deque: an allocated node typically moves from the front to near the back, which a
    /// deque does without shifting everything in between.
    pub(super) children: VecDeque<u32>,
    /// Inactive leaves.
    pub(super) inactive: Vec<u32>,
    pub(super) client: Option<ClientId>,
    pub(super) allocation: Quantities,
    /// How many times the subtree was chosen for an allocation (the DRF tie-breaker).
    pub(super) count: u64,
    pub(super) share: f64,
    pub(super) weight: f64,
    /// The node's place among its siblings by path, so ties compare integers, not strings
    /// (valid while the tree's membership has not changed since the last resort).
    pub(super) rank: u32,
    /// The pass in which the node was last visited.
    pub(super) visited: u32,
}

impl Node {
    fn new(name: Arc<str>, path: Arc<str>, parent: u32, kind: Kind, weight: f64) -> Node {
        Node {
            name,
            path,
            parent,
            kind,
            children: VecDeque::new(),
            inactive: Vec::new(),
            client: None,
            allocation: Quantities::new(),
            count: 0,
            share: 0.0,
            weight,
            rank: 0,
            visited: 0,
        }
    }

    pub(super) fn is_leaf(&self) -> bool {
        self.kind != Kind::Internal
    }
}

#[derive(Debug)]
struct ClientSlot {
    path: Arc<str>,
    leaf: u32,
}

/// The tree: an arena of nodes (0 is the root) and the client table.
#[derive(Debug)]
pub(super) struct Tree {
    pub(super) nodes: Vec<Node>,
    free_nodes: Vec<u32>,
    clients: Vec<Option<ClientSlot>>,
    free_clients: Vec<u32>,
    by_path: FastMap<Arc<str>, ClientId>,
    /// Every node but the root, by full path (virtual leaves end in `/.`).
    node_by_path: FastMap<Arc<str>, u32>,
    weights: FastMap<Arc<str>, f64>,
    active_clients: usize,
    /// Set by structural changes; the DRF sorter resorts everything before its next pass.
    pub(super) dirty: bool,
    /// Set when siblings were added, removed, activated or deactivated: ranks are stale.
    pub(super) membership_changed: bool,
}

impl Tree {
    pub(super) fn new() -> Tree {
        let root = Node::new(Arc::from(""), Arc::from(""), NO_PARENT, Kind::Internal, 1.0);
        Tree {
            nodes: vec![root],
            free_nodes: Vec::new(),
            clients: Vec::new(),
            free_clients: Vec::new(),
            by_path: FastMap::default(),
            node_by_path: FastMap::default(),
            weights: FastMap::default(),
            active_clients: 0,
            dirty: false,
            membership_changed: false,
        }
    }

    pub(super) fn leaf(&self, client: ClientId) -> Option<u32> {
        self.clients
            .get(client.index())
            .and_then(Option::as_ref)
            .map(|slot| slot.leaf)
    }

    pub(super) fn client_path(&self, client: ClientId) -> &str {
        self.clients
            .get(client.index())
            .and_then(Option::as_ref)
            .map_or("", |slot| &slot.path)
    }

    pub(super) fn lookup(&self, path: &str) -> Option<ClientId> {
        self.by_path.get(path).copied()
    }

    pub(super) fn client_count(&self) -> usize {
        self.by_path.len()
    }

    pub(super) fn active_client_count(&self) -> usize {
        self.active_clients
    }

    fn weight_of(&self, path: &str) -> f64 {
        self.weights.get(path).copied().unwrap_or(1.0)
    }

    fn new_node(&mut self, name: &str, parent: u32, kind: Kind) -> u32 {
        let path: Arc<str> = if parent == ROOT {
            Arc::from(name)
        } else {
            Arc::from(format!("{}/{}", self.nodes[parent as usize].path, name))
        };
        let node = Node::new(
            Arc::from(name),
            path.clone(),
            parent,
            kind,
            self.weight_of(&path),
        );
        let index = match self.free_nodes.pop() {
            Some(index) => {
                self.nodes[index as usize] = node;
                index
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        self.node_by_path.insert(path, index);
        index
    }

    fn attach(&mut self, node: u32) {
        self.membership_changed = true;
        let parent = self.nodes[node as usize].parent as usize;
        if self.nodes[node as usize].kind == Kind::InactiveLeaf {
            self.nodes[parent].inactive.push(node);
        } else {
            self.nodes[parent].children.push_back(node);
        }
    }

    fn detach(&mut self, node: u32) {
        let parent = self.nodes[node as usize].parent as usize;
        if self.nodes[node as usize].kind == Kind::InactiveLeaf {
            let list = &mut self.nodes[parent].inactive;
            if let Some(position) = list.iter().position(|child| *child == node) {
                list.remove(position);
            }
        } else {
            let list = &mut self.nodes[parent].children;
            if let Some(position) = list.iter().position(|child| *child == node) {
                list.remove(position);
            }
        }
    }

    fn find_child(&self, node: u32, name: &str) -> Option<u32> {
        if node == ROOT {
            return self.node_by_path.get(name).copied();
        }
        let path = format!("{}/{}", self.nodes[node as usize].path, name);
        self.node_by_path.get(path.as_str()).copied()
    }

    /// Adds an inactive client at `path` (Mesos's two-phase `add`).
    pub(super) fn add(&mut self, path: &str) -> Result<ClientId, SorterError> {
        if path.is_empty()
            || path
                .split('/')
                .any(|token| token.is_empty() || token == ".")
        {
            return Err(SorterError::InvalidPath(path.to_string()));
        }
        if self.by_path.contains_key(path) {
            return Err(SorterError::DuplicateClient(path.to_string()));
        }
        let tokens: Vec<&str> = path.split('/').collect();
        let mut next = 0;
        let mut current = ROOT;
        loop {
            if next == tokens.len() {
                let virtual_leaf = self.new_node(".", current, Kind::InactiveLeaf);
                self.attach(virtual_leaf);
                current = virtual_leaf;
                break;
            }
            if current != ROOT && self.nodes[current as usize].is_leaf() {
                self.convert_to_internal(current);
                break;
            }
            match self.find_child(current, tokens[next]) {
                None => break,
                Some(child) => {
                    current = child;
                    next += 1;
                }
            }
        }
        for (position, token) in tokens.iter().enumerate().skip(next) {
            let kind = if position + 1 == tokens.len() {
                Kind::InactiveLeaf
            } else {
                Kind::Internal
            };
            let child = self.new_node(token, current, kind);
            self.attach(child);
            current = child;
        }
        let path: Arc<str> = Arc::from(path);
        let slot = ClientSlot {
            path: path.clone(),
            leaf: current,
        };
        let client = match self.free_clients.pop() {
            Some(index) => {
                self.clients[index as usize] = Some(slot);
                ClientId(index)
            }
            None => {
                self.clients.push(Some(slot));
                ClientId((self.clients.len() - 1) as u32)
            }
        };
        self.nodes[current as usize].client = Some(client);
        self.by_path.insert(path, client);
        self.dirty = true;
        Ok(client)
    }

    /// Turns a leaf into an internal node whose client moves to a new virtual leaf `.`.
    fn convert_to_internal(&mut self, node: u32) {
        let old_kind = self.nodes[node as usize].kind;
        self.detach(node);
        self.nodes[node as usize].kind = Kind::Internal;
        self.attach(node);
        let virtual_leaf = self.new_node(".", node, old_kind);
        let (allocation, count, client) = {
            let current = &mut self.nodes[node as usize];
            (
                current.allocation.clone(),
                current.count,
                current.client.take(),
            )
        };
        {
            let leaf = &mut self.nodes[virtual_leaf as usize];
            leaf.allocation = allocation;
            leaf.count = count;
            leaf.client = client;
        }
        if let Some(client) = client
            && let Some(Some(slot)) = self.clients.get_mut(client.index())
        {
            slot.leaf = virtual_leaf;
        }
        self.attach(virtual_leaf);
    }

    /// Removes a client, its allocation from every ancestor, and nodes left without purpose.
    pub(super) fn remove(&mut self, client: ClientId) {
        let Some(leaf) = self.leaf(client) else {
            return;
        };
        if self.nodes[leaf as usize].kind == Kind::ActiveLeaf {
            self.active_clients -= 1;
        }
        if let Some(Some(slot)) = self.clients.get_mut(client.index()).map(Option::take) {
            self.by_path.remove(&slot.path);
        }
        self.free_clients.push(client.0);
        self.nodes[leaf as usize].client = None;
        let allocation = self.nodes[leaf as usize].allocation.clone();
        let mut current = leaf;
        while current != ROOT {
            let parent = self.nodes[current as usize].parent;
            self.nodes[parent as usize].allocation.subtract(&allocation);
            let (children, inactive) = {
                let node = &self.nodes[current as usize];
                (node.children.len(), node.inactive.len())
            };
            if children + inactive == 0 {
                self.detach(current);
                self.free_node(current);
            } else if children + inactive == 1 {
                let only = self.nodes[current as usize]
                    .children
                    .front()
                    .or(self.nodes[current as usize].inactive.first())
                    .copied();
                if let Some(only) = only
                    && &*self.nodes[only as usize].name == "."
                {
                    self.collapse_virtual_leaf(current, only);
                }
            }
            current = parent;
        }
        self.dirty = true;
    }

    /// `node` has one child left, its virtual leaf: the node becomes that leaf again.
    fn collapse_virtual_leaf(&mut self, node: u32, virtual_leaf: u32) {
        let (kind, client) = {
            let leaf = &mut self.nodes[virtual_leaf as usize];
            (leaf.kind, leaf.client.take())
        };
        self.detach(virtual_leaf);
        self.free_node(virtual_leaf);
        self.detach(node);
        {
            let current = &mut self.nodes[node as usize];
            current.kind = kind;
            current.client = client;
        }
        self.attach(node);
        if let Some(client) = client
            && let Some(Some(slot)) = self.clients.get_mut(client.index())
        {
            slot.leaf = node;
        }
    }

    fn free_node(&mut self, node: u32) {
        let path = self.nodes[node as usize].path.clone();
        self.node_by_path.remove(&path);
        let freed = &mut self.nodes[node as usize];
        freed.children = VecDeque::new();
        freed.inactive = Vec::new();
        freed.client = None;
        freed.allocation = Quantities::new();
        self.free_nodes.push(node);
    }

    /// Moves a client's leaf into its parent's active list. Returns false if it was active.
    pub(super) fn activate(&mut self, client: ClientId) -> bool {
        let Some(leaf) = self.leaf(client) else {
            return false;
        };
        if self.nodes[leaf as usize].kind != Kind::InactiveLeaf {
            return false;
        }
        self.detach(leaf);
        self.nodes[leaf as usize].kind = Kind::ActiveLeaf;
        self.attach(leaf);
        self.active_clients += 1;
        true
    }

    /// Moves a client's leaf into its parent's inactive list. Returns false if it was inactive.
    pub(super) fn deactivate(&mut self, client: ClientId) -> bool {
        let Some(leaf) = self.leaf(client) else {
            return false;
        };
        if self.nodes[leaf as usize].kind != Kind::ActiveLeaf {
            return false;
        }
        self.detach(leaf);
        self.nodes[leaf as usize].kind = Kind::InactiveLeaf;
        self.attach(leaf);
        self.active_clients -= 1;
        true
    }

    pub(super) fn is_active(&self, client: ClientId) -> bool {
        self.leaf(client)
            .is_some_and(|leaf| self.nodes[leaf as usize].kind == Kind::ActiveLeaf)
    }

    /// Records `weight` for `path` (and for the node there now, if any).
    pub(super) fn update_weight(&mut self, path: &str, weight: f64) {
        self.weights.insert(Arc::from(path), weight);
        let mut current = ROOT;
        for token in path.split('/') {
            match self.find_child(current, token) {
                Some(child) => current = child,
                None => {
                    self.dirty = true;
                    return;
                }
            }
        }
        if current != ROOT {
            self.nodes[current as usize].weight = weight;
        }
        self.dirty = true;
    }

    /// The leaf's ancestors, leaf first, root excluded.
    pub(super) fn path_to_root(&self, leaf: u32, into: &mut Vec<u32>) {
        into.clear();
        let mut current = leaf;
        while current != ROOT && current != NO_PARENT {
            into.push(current);
            current = self.nodes[current as usize].parent;
        }
    }
}
