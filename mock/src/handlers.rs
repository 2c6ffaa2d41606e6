//! Serving a request: find its operation in the spec's operations table,
//! check its credentials and parameters, and answer with a page of the
//! operation's records. Nothing here names an operation: routing, checks,
//! paging and filters all come from [`hss_client::spec::operations`].

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use hss_client::Operation;
use hss_client::spec::check::{check_parameters, match_path};

use crate::Shared;
use crate::auth;
use crate::error::{self, ApiError};
use crate::live::LiveList;
use crate::records::{self, Records};

/// Largest request body the mock reads (the operations take none).
const MAX_BODY: usize = 1 << 20;

/// The query string as pairs. A key given twice is refused: the
/// operations take every parameter once.
pub fn parse_query(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if pairs.iter().any(|(k, _)| k == key.as_ref()) {
            return Err(ApiError::bad_request(format!(
                "query parameter {key} is given more than once"
            )));
        }
        pairs.push((key.into_owned(), value.into_owned()));
    }
    Ok(pairs)
}

/// Every request: routed by the operations table.
pub async fn dispatch(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    match serve(&shared, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn serve(shared: &Shared, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let matched: Vec<(Operation, Vec<(String, String)>)> = Operation::ALL
        .iter()
        .filter_map(|&op| match_path(op.path(), &path).map(|values| (op, values)))
        .filter(|(op, _)| whole_path(op.path(), &path))
        .collect();
    let Some((operation, path_values)) = matched
        .iter()
        .find(|(op, _)| op.http_method() == parts.method.as_str())
        .cloned()
    else {
        return Err(if matched.is_empty() {
            ApiError::new(
                StatusCode::NOT_FOUND,
                error::NOT_FOUND,
                "no operation has this path",
            )
        } else {
            let allowed: Vec<&str> = matched.iter().map(|(op, _)| op.http_method()).collect();
            let mut error = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                error::METHOD_NOT_ALLOWED,
                format!("this path takes {} only", allowed.join(", ")),
            );
            error.allow = Some(allowed.join(", "));
            error
        });
    };
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|e| ApiError::bad_request(format!("cannot read the request body: {e}")))?;
    let project_id = path_values
        .iter()
        .find(|(name, _)| name == hss_client::spec::PROJECT_ID)
        .map(|(_, value)| value.as_str());
    auth::check(
        &shared.credentials,
        &auth::RequestParts {
            method: &parts.method,
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers: &parts.headers,
            body: &body,
            project_id,
        },
        parts.extensions.get::<crate::Arrival>().map_or_else(
            || auth::CheckedAt {
                system: SystemTime::now(),
                keys: shared.identity.now(),
            },
            |arrival| arrival.0,
        ),
        shared.max_clock_skew,
    )?;
    let query = parse_query(parts.uri.query())?;
    // A reversed time window selects nothing (an empty page), as a service
    // whose schema cannot state the rule would answer; the client refuses
    // it before sending.
    check_parameters(operation, &path_values, &query)
        .map_err(|invalid| ApiError::bad_request(invalid.to_string()))?;
    let records = shared
        .records(operation)
        .ok_or_else(|| ApiError::bad_request("the mock serves no records for this operation"))?;
    let bad_every = shared.faults.config().bad_record_every;
    Ok(json(answer(
        operation,
        records,
        shared.live(operation),
        &query,
        bad_every,
        shared.clock().now(),
    )))
}

/// Whether `template` matches all of `path`, not only its end.
fn whole_path(template: &str, path: &str) -> bool {
    template.trim_matches('/').split('/').count() == path.trim_matches('/').split('/').count()
}

/// The body of a checked request of `operation` at `now`, from its moving
/// list when it has one.
fn answer(
    operation: Operation,
    records: &dyn Records,
    live: Option<&LiveList>,
    query: &[(String, String)],
    bad_every: u64,
    now: std::time::SystemTime,
) -> Vec<u8> {
    let Some(pagination) = operation.pagination() else {
        let mut body = Vec::new();
        records.write(0, &mut body);
        return body;
    };
    let number = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<i64>().ok())
    };
    let offset = number(pagination.offset).unwrap_or(0).max(0) as u64;
    let limit = number(pagination.limit)
        .unwrap_or(pagination.default_page_size)
        .max(0) as u64;
    let bounds = operation
        .time_window()
        .and_then(|window| Some((number(window.start)?, number(window.end)?)));
    let filters = records::filters(operation, query);
    if let Some(live) = live {
        let (total, page) = live.page(records, bounds, &filters, offset, limit, now);
        return records::body_of(
            records.page_fields(),
            pagination.total,
            pagination.items,
            total,
            page.into_iter(),
            offset,
            bad_every,
        );
    }
    let range = match bounds {
        Some((start, end)) => records.window(start, end),
        None => 0..records.len(),
    };
    let page = records::select(records, range, &filters, offset, limit);
    records::page_body_breaking(
        records,
        pagination.total,
        pagination.items,
        &page,
        offset,
        bad_every,
    )
}

fn json(body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
