//! Error answers in the Huawei Cloud error body format.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Error code of a request that breaks a documented parameter constraint.
pub const INVALID_PARAMETER: &str = "HSS.0001";
/// Error code of a request without valid credentials (the gateway's code).
pub const UNAUTHENTICATED: &str = "APIGW.0301";
/// Error code of credentials that do not allow the request.
pub const FORBIDDEN: &str = "APIGW.0302";
/// Error code of an unknown path.
pub const NOT_FOUND: &str = "APIGW.0101";
/// Error code of an unsupported method.
pub const METHOD_NOT_ALLOWED: &str = "APIGW.0102";
/// Error code of a request refused by `--rate-limit` or `--throttle-rate`.
pub const THROTTLED: &str = "APIGW.0308";
/// Error code of a request beyond the API gateway's documented throttling
/// (`--gateway-limits`), as Huawei Cloud's gateway sends it.
pub const GATEWAY_THROTTLED: &str = "APIG.0308";
/// Error code of an injected server failure.
pub const INTERNAL: &str = "HSS.0500";

/// An error answer: a status and a Huawei error body
/// (`{"error_code": ..., "error_msg": ...}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// The `error_code` field.
    pub code: &'static str,
    /// The `error_msg` field: what was wrong, naming the parameter or header.
    pub message: String,
    /// Seconds for a `Retry-After` header, if any.
    pub retry_after: Option<u64>,
    /// The methods for an `Allow` header (a 405), if any.
    pub allow: Option<String>,
    /// A `request_id` field of the body, as the API gateway writes one.
    pub request_id: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error_msg: &'a str,
    error_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

impl ApiError {
    /// A 400 for a parameter that breaks the spec's constraints.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, INVALID_PARAMETER, message)
    }

    /// A 401 for missing or invalid credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, UNAUTHENTICATED, message)
    }

    /// A 403 for credentials that do not allow the request.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, FORBIDDEN, message)
    }

    /// Any status with any code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
            allow: None,
            request_id: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&Body {
            error_msg: &self.message,
            error_code: self.code,
            request_id: self.request_id.as_deref(),
        })
        .unwrap_or_default();
        let mut response = (
            self.status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(value) = self.allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
            response.headers_mut().insert(header::ALLOW, value);
        }
        response
    }
}
