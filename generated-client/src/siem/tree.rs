//! A mapping's targets as a tree, made once for many records: each
//! object's keys in the order they are written (sorted, as serde_json
//! writes a map), each list's positions, and at each end the leaf that
//! gives the target its value.

use super::fields::Fields;
use super::source::Step;
use crate::spec::siem::{Const, Mapping, SiemSchema};

/// The targets of one mapping.
#[derive(Debug)]
pub(super) struct Tree {
    /// The event: an object.
    pub(super) root: Node,
    /// Every leaf, by index.
    pub(super) leaves: Vec<Leaf>,
    /// The record fields the rules read.
    pub(super) fields: Fields,
    /// The required targets and their leaves.
    pub(super) required: Vec<(&'static str, usize)>,
    /// The leaf of OCSF's `activity_id`, which `type_uid` is made from.
    pub(super) activity: Option<usize>,
    /// How many nodes it has.
    pub(super) nodes: usize,
}

/// A place in the event.
#[derive(Debug)]
pub(super) struct Node {
    /// Its index, in an order where a node comes after all below it.
    pub(super) id: usize,
    /// What it holds.
    pub(super) kind: Kind,
    /// Keys one of which it must hold to be written (`needs-one-of`).
    pub(super) needs: Option<&'static [&'static str]>,
}

/// What a place in the event holds.
#[derive(Debug)]
pub(super) enum Kind {
    /// An object: its keys, sorted, and what each holds.
    Object(Vec<(&'static str, Node)>),
    /// A list: its positions.
    List(Vec<Node>),
    /// A value: the index of its leaf.
    Leaf(usize),
}

/// Where a target's value comes from.
#[derive(Debug)]
pub(super) enum Leaf {
    /// The rules of the target, in order: the last that has a value wins.
    Rules(Vec<Step>),
    /// A constant the engine sets (the class, the schema's version).
    Const(Const),
    /// OCSF's `type_uid`: this `class_uid` x 100 + `activity_id`.
    TypeUid(i64),
    /// What no rule copied from the record.
    Unmapped,
    /// The whole record.
    Original,
}

impl Tree {
    /// The tree of `mapping`: its rules, then what the engine sets, then
    /// where the record goes.
    pub(super) fn new(mapping: &'static Mapping) -> Self {
        let mut tree = Tree {
            root: Node::new(Kind::Object(Vec::new())),
            leaves: Vec::new(),
            fields: Fields::default(),
            required: Vec::new(),
            activity: None,
            nodes: 0,
        };
        let mut targets: Vec<(&'static str, usize)> = Vec::new();
        for rule in mapping.rules {
            let step = Step::of(&rule.value, &mut tree.fields);
            match targets.iter().find(|(t, _)| *t == rule.target) {
                Some(&(_, index)) => {
                    if let Some(Leaf::Rules(steps)) = tree.leaves.get_mut(index) {
                        steps.push(step);
                    }
                }
                None => {
                    let index = tree.add(rule.target, Leaf::Rules(vec![step]));
                    targets.push((rule.target, index));
                }
            }
        }
        let leaf_of = |target: &str| targets.iter().find(|(t, _)| *t == target).map(|t| t.1);
        tree.required = mapping
            .required
            .iter()
            .filter_map(|target| leaf_of(target).map(|leaf| (*target, leaf)))
            .collect();
        tree.activity = leaf_of("activity_id");
        tree.stamp(mapping);
        if let Some(target) = mapping.unmapped {
            tree.add(target, Leaf::Unmapped);
        }
        if let Some(target) = mapping.original {
            tree.add(target, Leaf::Original);
        }
        for (path, keys) in mapping.needs_one_of {
            let pattern: Vec<&str> = path.split('.').collect();
            tree.root.needs(&pattern, keys);
        }
        tree.root.sort();
        tree.nodes = tree.root.number(0);
        tree
    }

    /// What the engine sets: the class and version facts.
    fn stamp(&mut self, mapping: &Mapping) {
        match mapping.schema {
            SiemSchema::Ocsf => {
                if let Some(class) = mapping.class {
                    self.add("class_uid", Leaf::Const(Const::Int(class.uid)));
                    self.add("class_name", Leaf::Const(Const::Str(class.name)));
                    self.add("category_uid", Leaf::Const(Const::Int(class.category)));
                    self.add("type_uid", Leaf::TypeUid(class.uid));
                }
                self.add("metadata.version", Leaf::Const(Const::Str(mapping.version)));
                if !mapping.profiles.is_empty() {
                    let profiles = Leaf::Const(Const::Strs(mapping.profiles));
                    self.add("metadata.profiles", profiles);
                }
            }
            SiemSchema::Ecs => {
                self.add("ecs.version", Leaf::Const(Const::Str(mapping.version)));
            }
        }
    }

    /// Adds a leaf at `target`; its index.
    fn add(&mut self, target: &'static str, leaf: Leaf) -> usize {
        let index = self.leaves.len();
        self.leaves.push(leaf);
        let segments: Vec<&'static str> = target.split('.').collect();
        self.root.place(&segments, index);
        index
    }
}

impl Node {
    fn new(kind: Kind) -> Self {
        Node {
            id: 0,
            kind,
            needs: None,
        }
    }

    /// A node for what `segments` (the rest of a target) lead to.
    fn for_rest(segments: &[&str], leaf: usize) -> Self {
        match segments.first() {
            None => Node::new(Kind::Leaf(leaf)),
            Some(next) if is_position(next) => Node::new(Kind::List(Vec::new())),
            Some(_) => Node::new(Kind::Object(Vec::new())),
        }
    }

    /// Places leaf `leaf` at `segments` below this node, making the
    /// objects and lists on the way. The spec's check keeps targets from
    /// meeting (one inside another, a list and an object at one path);
    /// were they to, the later one would take the place.
    fn place(&mut self, segments: &[&'static str], leaf: usize) {
        let Some((first, rest)) = segments.split_first() else {
            self.kind = Kind::Leaf(leaf);
            return;
        };
        let fits = match &self.kind {
            Kind::Object(_) => !is_position(first),
            Kind::List(_) => is_position(first),
            Kind::Leaf(_) => false,
        };
        if !fits {
            self.kind = Node::for_rest(segments, leaf).kind;
        }
        let child = match &mut self.kind {
            Kind::Object(children) => {
                let at = match children.iter().position(|(key, _)| key == first) {
                    Some(at) => at,
                    None => {
                        children.push((first, Node::for_rest(rest, leaf)));
                        children.len() - 1
                    }
                };
                &mut children[at].1
            }
            Kind::List(items) => {
                let position = first.parse::<usize>().unwrap_or(items.len());
                while items.len() <= position {
                    items.push(Node::new(Kind::Object(Vec::new())));
                }
                &mut items[position]
            }
            Kind::Leaf(_) => return,
        };
        child.place(rest, leaf);
    }

    /// Marks the nodes at `pattern` (`*` for each item of a list) as
    /// needing one of `keys`.
    fn needs(&mut self, pattern: &[&str], keys: &'static [&'static str]) {
        let Some((first, rest)) = pattern.split_first() else {
            self.needs = Some(keys);
            return;
        };
        match &mut self.kind {
            Kind::List(items) if *first == "*" => {
                items.iter_mut().for_each(|item| item.needs(rest, keys));
            }
            Kind::Object(children) => {
                if let Some((_, child)) = children.iter_mut().find(|(key, _)| key == first) {
                    child.needs(rest, keys);
                }
            }
            _ => {}
        }
    }

    /// Numbers this node and those below it from `next`, each after all
    /// below it; the next number.
    fn number(&mut self, next: usize) -> usize {
        let next = match &mut self.kind {
            Kind::Object(children) => children
                .iter_mut()
                .fold(next, |next, (_, child)| child.number(next)),
            Kind::List(items) => items.iter_mut().fold(next, |next, item| item.number(next)),
            Kind::Leaf(_) => next,
        };
        self.id = next;
        next + 1
    }

    /// Sorts every object's keys, as serde_json's maps are.
    fn sort(&mut self) {
        match &mut self.kind {
            Kind::Object(children) => {
                children.sort_by(|a, b| a.0.cmp(b.0));
                children.iter_mut().for_each(|(_, child)| child.sort());
            }
            Kind::List(items) => items.iter_mut().for_each(Node::sort),
            Kind::Leaf(_) => {}
        }
    }
}

/// Whether a target's segment is a position in a list.
fn is_position(segment: &str) -> bool {
    !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit())
}
