//! The floor of the benchmarks: plain structs with exactly the documented
//! fields of the two list responses, no unknown-field map, no aliases,
//! enumerations as strings, `line_num` as any JSON value. Decoding into
//! these is what a minimal hand-written client would do.

use serde::Deserialize;

/// One ListClusterEvents page.
#[derive(Deserialize)]
pub struct Events {
    /// `total_num`.
    pub total_num: Option<i64>,
    /// `last_update_time`.
    pub last_update_time: Option<i64>,
    #[serde(default)]
    /// `data_list`.
    pub data_list: Vec<Event>,
}

/// One alarm event.
#[derive(Deserialize)]
pub struct Event {
    /// `action`.
    pub action: Option<String>,
    /// `cluster_name`.
    pub cluster_name: Option<String>,
    /// `cluster_id`.
    pub cluster_id: Option<String>,
    /// `event_name`.
    pub event_name: Option<String>,
    /// `event_class_id`.
    pub event_class_id: Option<String>,
    /// `event_id`.
    pub event_id: Option<String>,
    /// `event_type`.
    pub event_type: Option<i32>,
    /// `event_content`.
    pub event_content: Option<String>,
    /// `handle_status`.
    pub handle_status: Option<String>,
    /// `create_time`.
    pub create_time: Option<i64>,
    /// `update_time`.
    pub update_time: Option<i64>,
    /// `project_id`.
    pub project_id: Option<String>,
    /// `enterprise_project_id`.
    pub enterprise_project_id: Option<String>,
    /// `policy_name`.
    pub policy_name: Option<String>,
    /// `policy_id`.
    pub policy_id: Option<String>,
    /// `resource_info`.
    pub resource_info: Option<Resource>,
}

/// The resource of an alarm event.
#[derive(Deserialize)]
pub struct Resource {
    /// `enforcement_action`.
    pub enforcement_action: Option<String>,
    /// `group`.
    pub group: Option<String>,
    /// `message`.
    pub message: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `namespace`.
    pub namespace: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `kind`.
    pub kind: Option<String>,
    /// `resource_name`.
    pub resource_name: Option<String>,
}

/// One ListClusterEventLogs page.
#[derive(Deserialize)]
pub struct Logs {
    /// `total_num`.
    pub total_num: Option<i64>,
    #[serde(default)]
    /// `data_list`.
    pub data_list: Vec<Log>,
}

/// One cluster event log.
#[derive(Deserialize)]
pub struct Log {
    /// `cluster_name`.
    pub cluster_name: Option<String>,
    /// `cluster_id`.
    pub cluster_id: Option<String>,
    /// `cluster_type`.
    pub cluster_type: Option<String>,
    /// `time`.
    pub time: Option<i64>,
    /// `namespace`.
    pub namespace: Option<String>,
    /// `event_name`.
    pub event_name: Option<String>,
    /// `event_type`.
    pub event_type: Option<String>,
    /// `resource_type`.
    pub resource_type: Option<String>,
    /// `resource_name`.
    pub resource_name: Option<String>,
    /// `reason`.
    pub reason: Option<String>,
    /// `line_num`.
    pub line_num: Option<serde_json::Value>,
}
