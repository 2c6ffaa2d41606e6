//! [`Answer`]: a whole answer, as the read phase gives it to the classify
//! and retry phases.

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// A whole answer: status, headers and body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) version: http::Version,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    /// The answer as a `reqwest::Response`, for progenitor's hooks.
    pub(crate) fn into_response(self) -> reqwest::Response {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers;
        reqwest::Response::from(response)
    }

    /// Its `X-Request-Id`, or nothing.
    pub(crate) fn request_id(&self) -> &str {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}
