//! Conveniences on the response types: epoch-millisecond fields as
//! [`SystemTime`], and `event_content` parsed into [`EventContent`].

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::time::from_epoch_millis;
use crate::types::{
    ClusterEventLogResponseInfo, ClusterEventResponseInfo, ListClusterEventsResponse,
};

/// `create_time` and `update_time` of a cluster protection event as times.
pub trait ClusterEventTimes {
    /// `create_time` as a time.
    fn create_time_at(&self) -> Option<SystemTime>;
    /// `update_time` as a time.
    fn update_time_at(&self) -> Option<SystemTime>;
}

impl ClusterEventTimes for ClusterEventResponseInfo {
    fn create_time_at(&self) -> Option<SystemTime> {
        self.create_time.and_then(from_epoch_millis)
    }

    fn update_time_at(&self) -> Option<SystemTime> {
        self.update_time.and_then(from_epoch_millis)
    }
}

/// `time` of a cluster event log record as a time.
pub trait EventLogTime {
    /// `time` as a time.
    fn time_at(&self) -> Option<SystemTime>;
}

impl EventLogTime for ClusterEventLogResponseInfo {
    fn time_at(&self) -> Option<SystemTime> {
        self.time.and_then(from_epoch_millis)
    }
}

/// `last_update_time` of a page that carries it, as a time.
pub trait LastUpdateTime {
    /// `last_update_time` as a time.
    fn last_update_time_at(&self) -> Option<SystemTime>;
}

impl LastUpdateTime for ListClusterEventsResponse {
    fn last_update_time_at(&self) -> Option<SystemTime> {
        self.last_update_time.and_then(from_epoch_millis)
    }
}

/// The JSON document a cluster protection event carries in
/// `event_content`: the Kubernetes object the policy matched and what it
/// did. Fields not listed here are kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventContent {
    /// Action the policy enforced, such as `warn`.
    #[serde(
        rename = "enforcementAction",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub enforcement_action: Option<String>,
    /// API group of the object (empty for the core group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Kind of the object, such as `Pod`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Why the policy matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Name of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// API version of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Parses `event_content` on demand.
pub trait ParseEventContent {
    /// The parsed `event_content`: `Ok(None)` when the event has none, an
    /// [`Error::EventContent`] naming the event when it is not a JSON object.
    fn event_content_parsed(&self) -> Result<Option<EventContent>, Error>;
}

impl ParseEventContent for ClusterEventResponseInfo {
    fn event_content_parsed(&self) -> Result<Option<EventContent>, Error> {
        let Some(text) = self.event_content.as_deref() else {
            return Ok(None);
        };
        serde_json::from_str(text)
            .map(Some)
            .map_err(|source| Error::EventContent {
                event_id: self.event_id.clone().unwrap_or_default(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn millis_convert_both_ways_of_the_epoch() {
        assert_eq!(
            from_epoch_millis(1_695_094_500_324),
            Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1_695_094_500_324))
        );
        assert_eq!(
            from_epoch_millis(-1500),
            Some(SystemTime::UNIX_EPOCH - Duration::from_millis(1500))
        );
        let mut event: ClusterEventResponseInfo = serde_json::from_str("{}").unwrap();
        assert_eq!(event.create_time_at(), None);
        event.update_time = Some(1000);
        assert_eq!(
            event.update_time_at(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1))
        );
        let log: ClusterEventLogResponseInfo = serde_json::from_str(r#"{"time":2000}"#).unwrap();
        assert_eq!(
            log.time_at(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(2))
        );
    }

    #[test]
    fn event_content_is_parsed_with_unknown_fields_kept() {
        let event: ClusterEventResponseInfo = serde_json::from_value(serde_json::json!({
            "event_id": "e1",
            "event_content": r#"{"enforcementAction":"warn","group":"","kind":"Pod","message":"m","name":"n","namespace":"ns","version":"v1","uid":"u-1"}"#,
        }))
        .unwrap();
        let content = event.event_content_parsed().unwrap().unwrap();
        assert_eq!(content.enforcement_action.as_deref(), Some("warn"));
        assert_eq!(content.group.as_deref(), Some(""));
        assert_eq!(content.kind.as_deref(), Some("Pod"));
        assert_eq!(content.extra.get("uid"), Some(&serde_json::json!("u-1")));
    }

    #[test]
    fn bad_event_content_names_the_event() {
        let event: ClusterEventResponseInfo = serde_json::from_value(serde_json::json!({
            "event_id": "e-42",
            "event_content": "not json",
        }))
        .unwrap();
        let error = event.event_content_parsed().unwrap_err().to_string();
        assert!(
            error.contains("e-42") && error.contains("not valid JSON"),
            "{error}"
        );
        let empty: ClusterEventResponseInfo = serde_json::from_str("{}").unwrap();
        assert!(empty.event_content_parsed().unwrap().is_none());
    }
}
