//! The hand-tuned dataset of the two operations the mock has always
//! served richly: alarm events and cluster event logs.
//!
//! Nothing is stored: every record is computed from the dataset's seed and
//! the record's index, so a dataset of any size starts instantly and the same
//! seed always gives the same records. Record `i` of either operation
//! belongs to cluster `i % clusters`, which makes the `cluster_id` filter
//! and paging within one cluster plain arithmetic.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::source::Records;

/// First `create_time` / `time` of the dataset, in milliseconds since the
/// Unix epoch (2026-01-01T00:00:00Z).
pub const BASE_TIME_MS: i64 = 1_767_225_600_000;
/// Milliseconds between two consecutive alarm events.
pub const EVENT_STEP_MS: i64 = 1_000;
/// Milliseconds between two consecutive cluster event logs.
pub const LOG_STEP_MS: i64 = 500;

/// The kinds of cluster the dataset uses, in the order they are assigned.
const CLUSTER_TYPES: [&str; 4] = ["cce", "self_built_hw", "aws", "self_built_idc"];
const NAMESPACES: [&str; 5] = ["default", "kube-system", "payments", "monitoring", "test"];
const KINDS: [&str; 4] = ["Pod", "Deployment", "DaemonSet", "StatefulSet"];
const IMAGES: [&str; 4] = ["nginx", "redis", "busybox", "alpine"];
/// A cluster policy's actions, alarms the most often: admitted with an
/// alarm, blocked, recorded only.
const ACTIONS: [&str; 5] = ["warn", "warn", "deny", "warn", "dryrun"];
const RESOURCE_TYPES: [&str; 4] = ["Pod", "Node", "imagetag", "Deployment"];
const REASONS: [&str; 5] = ["Pulling", "Pulled", "Created", "Started", "BackOff"];

/// One cluster of the dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The cluster's id, shaped like a UUID.
    pub id: String,
    /// The cluster's name.
    pub name: String,
    /// The cluster's type, one of the documented values.
    pub cluster_type: &'static str,
}

/// A deterministic dataset: `events` alarm events and as many event logs,
/// spread over a few clusters.
#[derive(Debug, Clone)]
pub struct Dataset {
    seed: u64,
    events: u64,
    clusters: Vec<Cluster>,
    project_id: String,
}

/// The 64-bit finalizer of SplitMix64: a cheap, well-mixed hash of `x`.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A UUID-shaped string made from two hashes.
fn uuid_from(a: u64, b: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

fn pick<T: Copy>(list: &[T], h: u64) -> T {
    list[(h % list.len() as u64) as usize]
}

impl Dataset {
    /// A dataset of `events` records per operation over `clusters` clusters
    /// (at least one), owned by `project_id`.
    pub fn new(seed: u64, events: u64, clusters: usize, project_id: impl Into<String>) -> Self {
        let clusters = (0..clusters.max(1) as u64)
            .map(|c| {
                let h = mix(seed ^ mix(c ^ 0xC1));
                Cluster {
                    id: uuid_from(h, mix(h)),
                    name: format!("cluster-{c}-{:04x}", h & 0xffff),
                    cluster_type: CLUSTER_TYPES[(c % CLUSTER_TYPES.len() as u64) as usize],
                }
            })
            .collect();
        Dataset {
            seed,
            events,
            clusters,
            project_id: project_id.into(),
        }
    }

    /// Number of records of each operation.
    pub fn len(&self) -> u64 {
        self.events
    }

    /// Whether the dataset has no record.
    pub fn is_empty(&self) -> bool {
        self.events == 0
    }

    /// The project that owns every record.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The clusters, in index order.
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// Index of the cluster with this id.
    pub fn cluster_index(&self, id: &str) -> Option<u64> {
        self.clusters
            .iter()
            .position(|c| c.id == id)
            .map(|i| i as u64)
    }

    /// The cluster record `index` belongs to.
    pub fn cluster_of(&self, index: u64) -> &Cluster {
        &self.clusters[(index % self.clusters.len() as u64) as usize]
    }

    /// Number of records of cluster `cluster` (an index) among the first
    /// `n` records.
    pub fn count_in_cluster(&self, cluster: u64, n: u64) -> u64 {
        let k = self.clusters.len() as u64;
        if cluster >= n {
            0
        } else {
            (n - cluster).div_ceil(k)
        }
    }

    /// Index of the `nth` record (from 0) of cluster `cluster`.
    pub fn nth_in_cluster(&self, cluster: u64, nth: u64) -> u64 {
        cluster + nth * self.clusters.len() as u64
    }

    /// The range of cluster event log indices whose time is within
    /// `start..=end` (milliseconds since the epoch), all clusters together.
    pub fn log_window(&self, start: i64, end: i64) -> std::ops::Range<u64> {
        if end < start || self.events == 0 {
            return 0..0;
        }
        let first = if start <= BASE_TIME_MS {
            0
        } else {
            // ceil((start - base) / step)
            ((start - BASE_TIME_MS) as u64).div_ceil(LOG_STEP_MS as u64)
        };
        if end < BASE_TIME_MS {
            return 0..0;
        }
        let last = ((end - BASE_TIME_MS) as u64 / LOG_STEP_MS as u64).saturating_add(1);
        first.min(self.events)..last.min(self.events)
    }

    /// Alarm event number `index` (ListClusterEvents).
    pub fn event(&self, index: u64) -> ClusterEvent<'_> {
        let h = mix(self.seed ^ mix(index));
        let g = mix(h);
        let cluster = self.cluster_of(index);
        let create_time = BASE_TIME_MS + index as i64 * EVENT_STEP_MS;
        let policy = h % 7;
        let kind = pick(&KINDS, g >> 8);
        let image = pick(&IMAGES, g >> 16);
        let action = pick(&ACTIONS, h >> 48);
        let resource = ResourceInfo {
            enforcement_action: action,
            group: if kind == "Pod" { "" } else { "apps" },
            kind,
            message: format!("hit label a{}, vul image {image} can not startup.", g % 10),
            name: format!("{image}-{:08x}", g >> 32),
            namespace: pick(&NAMESPACES, g >> 24),
            version: "v1",
        };
        let event_content = serde_json::to_string(&resource.camel_case()).unwrap_or_default();
        ClusterEvent {
            action,
            cluster_name: &cluster.name,
            cluster_id: &cluster.id,
            event_name: format!("{} violation", pick(&KINDS, h >> 40)),
            event_class_id: format!("clusterprotect_100{}", h % 4),
            event_id: uuid_from(h, g),
            event_type: 3000 + (h % 20) as i32,
            event_content,
            handle_status: if h.is_multiple_of(5) {
                "handled"
            } else {
                "unhandled"
            },
            create_time,
            update_time: create_time + (g % 60_000) as i64,
            project_id: &self.project_id,
            enterprise_project_id: "0",
            policy_name: format!("policy-{policy}"),
            policy_id: uuid_from(mix(self.seed ^ policy), mix(policy)),
            resource_info: resource.snake_case(),
        }
    }

    /// Cluster event log number `index` (ListClusterEventLogs).
    pub fn log(&self, index: u64) -> ClusterEventLog<'_> {
        let h = mix(self.seed ^ mix(index ^ 0x5A5A_0000_0000_0000));
        let cluster = self.cluster_of(index);
        let resource_name = format!("{}-{:05x}", pick(&IMAGES, h >> 8), (h >> 20) & 0xfffff);
        // CCE clusters send line_num as an integer, the others as a string:
        // the API reference shows both forms.
        let line = index + 1;
        let line_num = if cluster.cluster_type == "cce" {
            LineNumValue::Number(line)
        } else {
            LineNumValue::Text(line.to_string())
        };
        ClusterEventLog {
            cluster_name: &cluster.name,
            cluster_id: &cluster.id,
            cluster_type: cluster.cluster_type,
            time: BASE_TIME_MS + index as i64 * LOG_STEP_MS,
            namespace: pick(&NAMESPACES, h >> 16),
            event_name: format!("{resource_name}.{:016x}", mix(h)),
            event_type: if h.is_multiple_of(4) {
                "Warning"
            } else {
                "Normal"
            },
            resource_type: pick(&RESOURCE_TYPES, h >> 24),
            resource_name,
            reason: pick(&REASONS, h >> 32),
            line_num,
        }
    }

    /// The line number (cursor) of cluster event log `index`.
    pub fn log_line(index: u64) -> u64 {
        index + 1
    }
}

/// One alarm event, serialized with the documented snake_case keys.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterEvent<'a> {
    /// Action the policy took.
    pub action: &'static str,
    /// Cluster name.
    pub cluster_name: &'a str,
    /// Cluster id.
    pub cluster_id: &'a str,
    /// Event name.
    pub event_name: String,
    /// Event class id.
    pub event_class_id: String,
    /// Event id.
    pub event_id: String,
    /// Numeric event type.
    pub event_type: i32,
    /// The resource as a JSON document in a string.
    pub event_content: String,
    /// Handling status.
    pub handle_status: &'static str,
    /// Creation time, ms since the epoch.
    pub create_time: i64,
    /// Update time, ms since the epoch.
    pub update_time: i64,
    /// Project id.
    pub project_id: &'a str,
    /// Enterprise project id.
    pub enterprise_project_id: &'static str,
    /// Policy name.
    pub policy_name: String,
    /// Policy id.
    pub policy_id: String,
    /// The resource the event is about.
    pub resource_info: ResourceInfoSnake,
}

/// The resource fields shared by both spellings.
struct ResourceInfo {
    enforcement_action: &'static str,
    group: &'static str,
    kind: &'static str,
    message: String,
    name: String,
    namespace: &'static str,
    version: &'static str,
}

impl ResourceInfo {
    fn camel_case(&self) -> ResourceInfoCamel<'_> {
        ResourceInfoCamel {
            enforcement_action: self.enforcement_action,
            group: self.group,
            kind: self.kind,
            message: &self.message,
            name: &self.name,
            namespace: self.namespace,
            version: self.version,
        }
    }

    fn snake_case(self) -> ResourceInfoSnake {
        ResourceInfoSnake {
            enforcement_action: self.enforcement_action,
            group: self.group,
            kind: self.kind,
            message: self.message,
            resource_name: self.name.clone(),
            name: self.name,
            namespace: self.namespace,
            version: self.version,
        }
    }
}

/// The resource of an event, in the field table's snake_case spelling.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceInfoSnake {
    /// Enforcement action.
    pub enforcement_action: &'static str,
    /// API group.
    pub group: &'static str,
    /// Kubernetes kind.
    pub kind: &'static str,
    /// Message.
    pub message: String,
    /// Resource name.
    pub name: String,
    /// Namespace.
    pub namespace: &'static str,
    /// API version.
    pub version: &'static str,
    /// Resource name.
    pub resource_name: String,
}

/// The resource of an event as `event_content` carries it (the spelling of
/// the API reference's example).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceInfoCamel<'a> {
    enforcement_action: &'a str,
    group: &'a str,
    kind: &'a str,
    message: &'a str,
    name: &'a str,
    namespace: &'a str,
    version: &'a str,
}

/// `line_num` in the form a cluster sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum LineNumValue {
    /// Sent as a JSON integer.
    Number(u64),
    /// Sent as a JSON string of digits.
    Text(String),
}

/// One cluster event log, serialized with the documented keys.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterEventLog<'a> {
    /// Cluster name.
    pub cluster_name: &'a str,
    /// Cluster id.
    pub cluster_id: &'a str,
    /// Cluster type.
    pub cluster_type: &'static str,
    /// Time, ms since the epoch.
    pub time: i64,
    /// Namespace.
    pub namespace: &'static str,
    /// Event name.
    pub event_name: String,
    /// `Normal` or `Warning`.
    pub event_type: &'static str,
    /// Resource type.
    pub resource_type: &'static str,
    /// Resource name.
    pub resource_name: String,
    /// Reason.
    pub reason: &'static str,
    /// Row number, the paging cursor.
    pub line_num: LineNumValue,
}

/// The alarm events of a [`Dataset`], as a [`Records`] source.
#[derive(Debug, Clone)]
pub struct EventRecords(pub Arc<Dataset>);

/// The cluster event logs of a [`Dataset`], as a [`Records`] source.
#[derive(Debug, Clone)]
pub struct LogRecords(pub Arc<Dataset>);

/// A top-level field of a serialized record as text.
fn field_text<T: Serialize>(record: &T, name: &str) -> Option<Cow<'static, str>> {
    match serde_json::to_value(record).ok()?.get(name)? {
        serde_json::Value::String(s) => Some(Cow::Owned(s.clone())),
        serde_json::Value::Null => None,
        other => Some(Cow::Owned(other.to_string())),
    }
}

impl Records for EventRecords {
    fn len(&self) -> u64 {
        self.0.len()
    }

    fn origin(&self) -> &'static str {
        "hand-tuned alarm events"
    }

    fn write(&self, index: u64, out: &mut Vec<u8>) {
        let _ = serde_json::to_writer(out, &self.0.event(index));
    }

    fn field(&self, index: u64, name: &str) -> Option<Cow<'_, str>> {
        // The cluster is arithmetic; every other field needs the record.
        if name == "cluster_id" {
            return Some(Cow::Borrowed(self.0.cluster_of(index).id.as_str()));
        }
        field_text(&self.0.event(index), name)
    }

    fn window(&self, _start: i64, _end: i64) -> Range<u64> {
        0..self.0.len()
    }

    fn page_fields(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut map = serde_json::Map::new();
        if let Some(last) = self.0.len().checked_sub(1) {
            map.insert(
                "last_update_time".into(),
                (BASE_TIME_MS + last as i64 * EVENT_STEP_MS).into(),
            );
        }
        map
    }
}

impl Records for LogRecords {
    fn len(&self) -> u64 {
        self.0.len()
    }

    fn origin(&self) -> &'static str {
        "hand-tuned event logs"
    }

    fn write(&self, index: u64, out: &mut Vec<u8>) {
        let _ = serde_json::to_writer(out, &self.0.log(index));
    }

    fn field(&self, index: u64, name: &str) -> Option<Cow<'_, str>> {
        if name == "cluster_id" {
            return Some(Cow::Borrowed(self.0.cluster_of(index).id.as_str()));
        }
        field_text(&self.0.log(index), name)
    }

    fn window(&self, start: i64, end: i64) -> Range<u64> {
        self.0.log_window(start, end)
    }

    fn window_field(&self) -> Option<&str> {
        Some("time")
    }
}
