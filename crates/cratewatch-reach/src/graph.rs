//! One root's resolved graph, and the compact form every resolved graph is kept in.

use crate::universe::{NONE, ReqId, VersionId};

/// A dependency edge of a resolved graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Edge {
    /// The dependent, as a node position.
    pub(crate) from: u32,
    /// The dependency, as a node position.
    pub(crate) to: u32,
    /// The requirement the dependent wrote.
    pub(crate) req: ReqId,
    /// The dependency's position in the dependent's compiled summary.
    pub(crate) dep: u16,
    /// Whether it is a build dependency.
    pub(crate) build: bool,
}

/// A resolved graph as a resolver produced it: node 0 is the root.
pub(crate) struct Graph {
    pub(crate) nodes: Vec<VersionId>,
    pub(crate) edges: Vec<Edge>,
}

impl Graph {
    /// Whether the normal and build edges form a cycle, which Cargo refuses after resolving
    /// ("cyclic package dependency").
    pub(crate) fn has_cycle(&self) -> bool {
        let n = self.nodes.len();
        let (starts, targets) = self.adjacency();
        // 0 unvisited, 1 on the stack, 2 done.
        let mut state = vec![0u8; n];
        let mut stack: Vec<(u32, u32)> = Vec::new();
        for start in 0..n as u32 {
            if state[start as usize] != 0 {
                continue;
            }
            state[start as usize] = 1;
            stack.push((start, starts[start as usize]));
            while let Some(top) = stack.last_mut() {
                let (node, next) = *top;
                if next < starts[node as usize + 1] {
                    top.1 += 1;
                    let to = targets[next as usize];
                    match state[to as usize] {
                        0 => {
                            state[to as usize] = 1;
                            stack.push((to, starts[to as usize]));
                        }
                        1 => return true,
                        _ => {}
                    }
                } else {
                    state[node as usize] = 2;
                    stack.pop();
                }
            }
        }
        false
    }

    /// Out-edges in CSR form: `targets[starts[i]..starts[i + 1]]` are node `i`'s dependencies.
    fn adjacency(&self) -> (Vec<u32>, Vec<u32>) {
        let n = self.nodes.len();
        let mut starts = vec![0u32; n + 1];
        for e in &self.edges {
            starts[e.from as usize + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut targets = vec![0u32; self.edges.len()];
        for e in &self.edges {
            targets[fill[e.from as usize] as usize] = e.to;
            fill[e.from as usize] += 1;
        }
        (starts, targets)
    }

    /// The canonical compact form: nodes ordered by (depth, version id), the root first, each with its
    /// depth, whether only build dependencies lead to it, its shortest-path parent and its incoming
    /// requirements.
    pub(crate) fn compact(&self) -> Compact {
        let n = self.nodes.len();
        let (starts, targets) = self.adjacency();
        let depth = bfs(n, &starts, &targets);
        // Reached through normal edges only: compiled into the root's own code, not only into some
        // build script.
        let normal_starts_targets = {
            let mut g = Graph { nodes: self.nodes.clone(), edges: Vec::new() };
            g.edges = self.edges.iter().filter(|e| !e.build).copied().collect();
            g.adjacency()
        };
        let normal = bfs(n, &normal_starts_targets.0, &normal_starts_targets.1);
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&i| (i != 0, depth[i as usize], self.nodes[i as usize]));
        let mut position = vec![0u32; n];
        for (p, &i) in order.iter().enumerate() {
            position[i as usize] = p as u32;
        }
        let mut incoming: Vec<(u32, u32, ReqId)> =
            self.edges.iter().map(|e| (position[e.to as usize], position[e.from as usize], e.req)).collect();
        incoming.sort_unstable();
        incoming.dedup();
        let mut nodes = Vec::with_capacity(n);
        let mut in_end = Vec::with_capacity(n);
        let mut in_parent = Vec::with_capacity(incoming.len());
        let mut in_req = Vec::with_capacity(incoming.len());
        let mut k = 0;
        for (p, &i) in order.iter().enumerate() {
            let d = depth[i as usize];
            let mut parent = 0;
            let mut found = false;
            while k < incoming.len() && incoming[k].0 == p as u32 {
                let (_, from, req) = incoming[k];
                if !found && d > 0 && depth[order[from as usize] as usize] == d - 1 {
                    parent = from;
                    found = true;
                }
                in_parent.push(from);
                in_req.push(req);
                k += 1;
            }
            in_end.push(in_parent.len() as u32);
            nodes.push(Node {
                version: self.nodes[i as usize],
                depth: d.min(u8::MAX as u32 - 1) as u8,
                build_only: normal[i as usize] == NONE,
                parent,
            });
        }
        Compact { nodes, in_end, in_parent, in_req }
    }
}

/// Breadth-first depths from node 0 (`NONE` when unreachable).
fn bfs(n: usize, starts: &[u32], targets: &[u32]) -> Vec<u32> {
    let mut depth = vec![NONE; n];
    if n == 0 {
        return depth;
    }
    depth[0] = 0;
    let mut queue = std::collections::VecDeque::from([0u32]);
    while let Some(node) = queue.pop_front() {
        for &to in &targets[starts[node as usize] as usize..starts[node as usize + 1] as usize] {
            if depth[to as usize] == NONE {
                depth[to as usize] = depth[node as usize] + 1;
                queue.push_back(to);
            }
        }
    }
    depth
}

/// One node of a compact graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) version: VersionId,
    pub(crate) depth: u8,
    pub(crate) build_only: bool,
    /// The position of the node's parent on a shortest path from the root (0 for the root).
    pub(crate) parent: u32,
}

/// A resolved graph in canonical order, ready to be stored.
pub(crate) struct Compact {
    pub(crate) nodes: Vec<Node>,
    /// For node `i`, its incoming edges are `in_end[i - 1]..in_end[i]` of `in_parent`/`in_req`.
    pub(crate) in_end: Vec<u32>,
    pub(crate) in_parent: Vec<u32>,
    pub(crate) in_req: Vec<ReqId>,
}
