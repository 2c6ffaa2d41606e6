//! [`Error`]: every way a call can fail, each naming the operation and the
//! attempt it happened on.

use std::fmt;

/// Longest body excerpt kept in an error, in bytes (cut at a character
/// boundary, with `...` appended when cut).
pub const BODY_EXCERPT_LIMIT: usize = 2048;

/// A failed call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The request could not be sent or its response not received
    /// (connection refused or reset, TLS failure, body cut short).
    #[error("{operation}: attempt {attempt}: transport error: {source}")]
    Transport {
        /// The operation's operationId.
        operation: String,
        /// The attempt that failed last (1 for the first).
        attempt: u32,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// A connect or read timeout, or the overall deadline, ran out.
    #[error("{operation}: attempt {attempt}: timed out: {source}")]
    Timeout {
        /// Operation id.
        operation: String,
        /// The attempt that timed out.
        attempt: u32,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// A parameter breaks a documented constraint; nothing was sent.
    #[error(
        "{operation}: invalid input (no request sent): parameter {parameter} = {value}: allowed {allowed}"
    )]
    InvalidInput {
        /// Operation id.
        operation: String,
        /// Parameter name, as in the API.
        parameter: String,
        /// The value given (or `(missing)`).
        value: String,
        /// What the documentation allows.
        allowed: String,
    },

    /// The response could not be decoded.
    #[error(
        "{operation}: attempt {attempt}: HTTP {status}: response could not be decoded: {message}; body: {body_excerpt:?}"
    )]
    Decode {
        /// Operation id.
        operation: String,
        /// The attempt whose response it was.
        attempt: u32,
        /// HTTP status of the response.
        status: u16,
        /// What went wrong.
        message: String,
        /// The start of the body, at most [`BODY_EXCERPT_LIMIT`] bytes.
        body_excerpt: String,
    },

    /// The client configuration is incomplete or wrong.
    #[error("configuration error: {0}")]
    Config(String),

    /// No project id was given, the credentials' source names none, and
    /// no region was set to look it up in at IAM.
    #[error(
        "configuration error: no project id: set one, have the credentials' source name one, or set a region to look it up in"
    )]
    NoProjectId,

    /// A paginated stream cannot go on without losing items.
    #[error("{operation}: pagination stopped: {message}")]
    Pagination {
        /// Operation id.
        operation: String,
        /// What went wrong.
        message: String,
    },

    /// One record of a page does not match its schema. The page's other
    /// records are kept, and a stream goes on with the next page.
    #[error("{operation}: the record at offset {position} does not match its schema: {message}")]
    Record {
        /// Operation id.
        operation: String,
        /// The record's position in the whole result (its offset).
        position: i64,
        /// What does not match.
        message: String,
        /// The record as it came, in JSON.
        raw: String,
    },

    /// No credentials could be had from a source ([`crate::provider`]):
    /// none in the default chain, or a fetch of temporary keys failed with
    /// no valid key left to sign with. Nothing was sent.
    #[error("credentials from {source_name}: {message}")]
    Credentials {
        /// The source, as [`crate::provider::ProvideCredentials::describe`]
        /// names it.
        source_name: String,
        /// What went wrong (never a secret).
        message: String,
    },

    /// A service that gives what a client is built with (the project
    /// lookup at IAM) could not be reached, did not answer in time, or
    /// answered with an error status or with what is not its answer: the
    /// service or the network failed, not the configuration. Nothing was
    /// sent to HSS.
    #[error("{source_name}: {message}")]
    IdentityService {
        /// The service, as the error's source names it.
        source_name: String,
        /// What went wrong (never a secret).
        message: String,
    },

    /// An event's `event_content` is not the JSON document it should be.
    #[error("event {event_id}: event_content is not valid JSON: {source}")]
    EventContent {
        /// The event's `event_id` (empty when the event has none).
        event_id: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
}

impl Error {
    /// The HTTP status, for errors that come from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The operation the error happened in, when it happened in one.
    pub fn operation(&self) -> Option<&str> {
        match self {
            Error::Api(api) => Some(&api.operation),
            Error::Transport { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::InvalidInput { operation, .. }
            | Error::Decode { operation, .. }
            | Error::Pagination { operation, .. }
            | Error::Record { operation, .. } => Some(operation),
            Error::Config(_)
            | Error::NoProjectId
            | Error::Credentials { .. }
            | Error::IdentityService { .. }
            | Error::EventContent { .. } => None,
        }
    }

    /// Whether the error costs one record only (an [`Error::Record`]): a
    /// stream goes on after it.
    pub fn is_record(&self) -> bool {
        matches!(self, Error::Record { .. })
    }

    /// The `X-Request-Id` of the answer the error comes from, when the
    /// service sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            _ => None,
        }
    }

    /// The attempt the error happened on (0 when nothing was sent).
    pub fn attempt(&self) -> u32 {
        match self {
            Error::Api(api) => api.attempt,
            Error::Transport { attempt, .. }
            | Error::Timeout { attempt, .. }
            | Error::Decode { attempt, .. } => *attempt,
            _ => 0,
        }
    }
}

/// An error status returned by the service.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation's operationId.
    pub operation: String,
    /// The attempt whose response this is (1 for the first).
    pub attempt: u32,
    /// HTTP status.
    pub status: u16,
    /// Service error code (`error_code`, `errorCode` or `code`).
    pub error_code: Option<String>,
    /// Service error message (`error_msg`, `errorMsg` or `message`).
    pub error_msg: Option<String>,
    /// The `X-Request-Id` response header.
    pub request_id: Option<String>,
    /// `encoded_authorization_message`, sent with some 403 responses.
    pub encoded_authorization_message: Option<String>,
    /// The body, cut to [`BODY_EXCERPT_LIMIT`] bytes.
    pub body: String,
    /// Whether the body was JSON.
    pub body_is_json: bool,
    /// The wait the server asked for in `Retry-After` (429 and 503
    /// answers), when it sent one the client could read.
    pub retry_after: Option<std::time::Duration>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: attempt {}: HTTP {}",
            self.operation, self.attempt, self.status
        )?;
        if let Some(code) = &self.error_code {
            write!(f, " {code}")?;
        }
        if let Some(msg) = &self.error_msg {
            write!(f, ": {msg}")?;
        }
        if !self.body_is_json && !self.body.is_empty() {
            write!(f, ": body {:?}", self.body)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The start of a body as text, at most [`BODY_EXCERPT_LIMIT`] bytes.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= BODY_EXCERPT_LIMIT {
        return text.into_owned();
    }
    let mut end = BODY_EXCERPT_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_at_character_boundary() {
        let text = "é".repeat(BODY_EXCERPT_LIMIT);
        let cut = excerpt(text.as_bytes());
        assert!(cut.ends_with("..."));
        assert!(cut.len() <= BODY_EXCERPT_LIMIT + 3);
    }
}
