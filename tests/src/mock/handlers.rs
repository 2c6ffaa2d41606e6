//! The two operations: request validation against the spec's constraints,
//! filtering and paging over the synthetic dataset.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::Shared;
use super::data::{BASE_TIME_MS, Dataset, EVENT_STEP_MS};
use super::error::ApiError;

/// The query string as pairs, each key given at most once.
#[derive(Debug, Default)]
pub struct QueryParams {
    pairs: HashMap<String, String>,
}

impl QueryParams {
    /// Parses `raw` (form-encoded). A key given twice is an error.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut pairs = HashMap::new();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if pairs
                .insert(key.clone().into_owned(), value.into_owned())
                .is_some()
            {
                return Err(ApiError::bad_request(format!(
                    "query parameter {key} is given more than once"
                )));
            }
        }
        Ok(QueryParams { pairs })
    }

    /// An optional string parameter, with its length bounds (in characters).
    pub fn string(
        &self,
        name: &str,
        min: Option<usize>,
        max: Option<usize>,
    ) -> Result<Option<&str>, ApiError> {
        let Some(value) = self.pairs.get(name) else {
            return Ok(None);
        };
        let len = value.chars().count();
        if min.is_some_and(|min| len < min) || max.is_some_and(|max| len > max) {
            return Err(ApiError::bad_request(format!(
                "query parameter {name} must be {} to {} characters long, got {len}",
                min.unwrap_or(0),
                max.map_or("any number of".to_string(), |m| m.to_string()),
            )));
        }
        Ok(Some(value))
    }

    /// A required parameter.
    pub fn required<T>(&self, name: &str, value: Option<T>) -> Result<T, ApiError> {
        value.ok_or_else(|| ApiError::bad_request(format!("query parameter {name} is required")))
    }

    /// An optional integer parameter within `min..=max`.
    pub fn integer(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(text) = self.pairs.get(name) else {
            return Ok(None);
        };
        let value: i64 = text.parse().map_err(|_| {
            ApiError::bad_request(format!(
                "query parameter {name} must be an integer, got {text:?}"
            ))
        })?;
        if value < min || value > max {
            return Err(ApiError::bad_request(format!(
                "query parameter {name} must be between {min} and {max}, got {value}"
            )));
        }
        Ok(Some(value))
    }
}

/// Checks the `project_id` path parameter (1 to 256 characters).
pub fn project_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    let Path(project_id) = path
        .map_err(|e| ApiError::bad_request(format!("path parameter project_id is invalid: {e}")))?;
    let len = project_id.chars().count();
    if !(1..=256).contains(&len) {
        return Err(ApiError::bad_request(format!(
            "path parameter project_id must be 1 to 256 characters long, got {len}"
        )));
    }
    Ok(project_id)
}

/// A page of records with its total.
#[derive(Serialize)]
struct Page<T> {
    total_num: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_update_time: Option<i64>,
    data_list: Vec<T>,
}

fn json<T: Serialize>(page: &Page<T>) -> Response {
    match serde_json::to_vec(page) {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(e) => ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            super::error::INTERNAL,
            format!("cannot encode the page: {e}"),
        )
        .into_response(),
    }
}

/// Whether an `enterprise_project_id` filter lets the dataset's records
/// (all in the default enterprise project "0") through.
fn enterprise_project_matches(eps: Option<&str>) -> bool {
    matches!(eps, None | Some("0") | Some("all_granted_eps"))
}

/// `GET /v5/{project_id}/cluster-protect/events`.
pub async fn list_cluster_events(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    project_id(path)?;
    let query = QueryParams::parse(raw.as_deref())?;
    let offset = query.required("offset", query.integer("offset", 0, 2_000_000)?)? as u64;
    let limit = query.required("limit", query.integer("limit", 10, 200)?)? as u64;
    let cluster_id = query.string("cluster_id", None, None)?;
    let eps = query.string("enterprise_project_id", Some(1), Some(256))?;

    let data: &Dataset = &shared.dataset;
    let cluster = match cluster_id {
        Some(id) => match data.cluster_index(id) {
            Some(index) => Some(index),
            None => return Ok(json(&empty_events_page())),
        },
        None => None,
    };
    if !enterprise_project_matches(eps) {
        return Ok(json(&empty_events_page()));
    }
    let total = match cluster {
        Some(c) => data.count_in_cluster(c, data.len()),
        None => data.len(),
    };
    let end = offset.saturating_add(limit).min(total);
    let data_list: Vec<_> = (offset.min(end)..end)
        .map(|nth| match cluster {
            Some(c) => data.event(data.nth_in_cluster(c, nth)),
            None => data.event(nth),
        })
        .collect();
    let last_update_time = data
        .len()
        .checked_sub(1)
        .map(|last| BASE_TIME_MS + last as i64 * EVENT_STEP_MS);
    Ok(json(&Page {
        total_num: total,
        last_update_time,
        data_list,
    }))
}

fn empty_events_page() -> Page<super::data::ClusterEvent<'static>> {
    Page {
        total_num: 0,
        last_update_time: None,
        data_list: Vec::new(),
    }
}

/// The filters of ListClusterEventLogs that need a look at each record.
struct LogFilters<'q> {
    cluster_name: Option<&'q str>,
    namespace: Option<&'q str>,
    event_name: Option<&'q str>,
    event_type: Option<&'q str>,
    resource_type: Option<&'q str>,
    resource_name: Option<&'q str>,
    reason: Option<&'q str>,
}

impl LogFilters<'_> {
    fn is_empty(&self) -> bool {
        self.cluster_name.is_none()
            && self.namespace.is_none()
            && self.event_name.is_none()
            && self.event_type.is_none()
            && self.resource_type.is_none()
            && self.resource_name.is_none()
            && self.reason.is_none()
    }

    fn matches(&self, log: &super::data::ClusterEventLog<'_>) -> bool {
        fn ok(filter: Option<&str>, value: &str) -> bool {
            filter.is_none_or(|f| f == value)
        }
        ok(self.cluster_name, log.cluster_name)
            && ok(self.namespace, log.namespace)
            && ok(self.event_name, &log.event_name)
            && ok(self.event_type, log.event_type)
            && ok(self.resource_type, log.resource_type)
            && ok(self.resource_name, &log.resource_name)
            && ok(self.reason, log.reason)
    }
}

/// The most records one ListClusterEventLogs page holds. The operation
/// documents no maximum `limit`; like a real service, the mock caps its
/// pages (a larger `limit` gets this many records), so that one request
/// cannot make it build a page of millions.
pub const MAX_LOG_PAGE: u64 = 1000;

/// `GET /v5/{project_id}/container/kubernetes/cluster/events`.
pub async fn list_cluster_event_logs(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    project_id(path)?;
    let query = QueryParams::parse(raw.as_deref())?;
    let cluster_id = query.required("cluster_id", query.string("cluster_id", None, None)?)?;
    let start = query.required(
        "start_time",
        query.integer("start_time", i64::MIN, i64::MAX)?,
    )?;
    let end = query.required("end_time", query.integer("end_time", i64::MIN, i64::MAX)?)?;
    let limit = query.required(
        "limit",
        query.integer("limit", i32::MIN.into(), i32::MAX.into())?,
    )?;
    let offset = query.required("offset", query.integer("offset", 0, i32::MAX.into())?)? as u64;
    let eps = query.string("enterprise_project_id", Some(1), Some(256))?;
    let event_type = query.string("event_type", None, None)?;
    if let Some(value) = event_type
        && value != "Warning"
        && value != "Normal"
    {
        return Err(ApiError::bad_request(format!(
            "query parameter event_type must be Warning or Normal, got {value:?}"
        )));
    }
    let filters = LogFilters {
        cluster_name: query.string("cluster_name", None, None)?,
        namespace: query.string("namespace", None, None)?,
        event_name: query.string("event_name", None, None)?,
        event_type,
        resource_type: query.string("resource_type", None, None)?,
        resource_name: query.string("resource_name", None, None)?,
        reason: query.string("reason", None, None)?,
    };
    // The cursor: only records after the one with this line_num. A cursor
    // that names no record selects nothing.
    let after_line = match query.string("line_num", None, None)? {
        None => Some(0),
        Some(text) => text.trim().parse::<u64>().ok(),
    };

    let data: &Dataset = &shared.dataset;
    let empty = || {
        json(&Page::<super::data::ClusterEventLog<'static>> {
            total_num: 0,
            last_update_time: None,
            data_list: Vec::new(),
        })
    };
    let (Some(cluster), Some(after_line)) = (data.cluster_index(cluster_id), after_line) else {
        return Ok(empty());
    };
    if !enterprise_project_matches(eps) || limit <= 0 {
        return Ok(empty());
    }
    let limit = (limit as u64).min(MAX_LOG_PAGE);
    let window = data.log_window(start, end);
    // line_num is index + 1, so the cursor moves the window's start.
    let first = window.start.max(after_line);
    let last = window.end;
    if first >= last {
        return Ok(empty());
    }
    // Record indices of this cluster in first..last.
    let k = data.clusters().len() as u64;
    let skip = (first.saturating_sub(cluster)).div_ceil(k);
    let start_index = data.nth_in_cluster(cluster, skip);
    let count = if start_index >= last {
        0
    } else {
        (last - start_index).div_ceil(k)
    };

    let (total, data_list) = if filters.is_empty() {
        let end = offset.saturating_add(limit).min(count);
        let list = (offset.min(end)..end)
            .map(|nth| data.log(start_index + nth * k))
            .collect();
        (count, list)
    } else {
        let mut total = 0u64;
        let mut list = Vec::new();
        for i in (0..count).map(|nth| start_index + nth * k) {
            let log = data.log(i);
            if filters.matches(&log) {
                if total >= offset && (list.len() as u64) < limit {
                    list.push(log);
                }
                total += 1;
            }
        }
        (total, list)
    };
    Ok(json(&Page {
        total_num: total,
        last_update_time: None,
        data_list,
    }))
}
