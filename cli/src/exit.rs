//! Exit statuses, and how errors become one line on stderr.

use std::process::ExitCode;

use hss_client::Error;

/// What a run ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Everything was done (0).
    Done,
    /// Everything was done, but some records did not match their schema
    /// and were set aside (1).
    DoneWithRejects,
    /// The command line or the configuration is wrong (2).
    Usage,
    /// The service, or the way to it, failed (3).
    Service,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Done => 0,
            Status::DoneWithRejects => 1,
            Status::Usage => 2,
            Status::Service => 3,
        }
    }

    /// The status a client error ends a run with.
    pub fn of(error: &Error) -> Status {
        match error {
            Error::Config(_) | Error::InvalidInput { .. } => Status::Usage,
            Error::Api(_)
            | Error::Transport { .. }
            | Error::Timeout { .. }
            | Error::Decode { .. }
            | Error::Pagination { .. }
            | Error::Record { .. }
            | Error::Credentials { .. }
            | Error::IdentityService { .. }
            | Error::EventContent { .. } => Status::Service,
            _ => Status::Service,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        ExitCode::from(status.code())
    }
}

/// A failed run: what to print, and the status.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// The status to exit with.
    pub status: Status,
    /// One line: what failed, naming the operation and the request id when
    /// there are any.
    pub message: String,
}

impl Failure {
    /// A usage or configuration error.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            status: Status::Usage,
            message: message.into(),
        }
    }

    /// A local failure of the export (a file that cannot be written), which
    /// is neither the user's nor the service's.
    pub fn local(message: impl Into<String>) -> Self {
        Failure {
            status: Status::Service,
            message: message.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let mut message = error.to_string().replace('\n', " ");
        if let Some(id) = error.request_id()
            && !message.contains(id)
        {
            message.push_str(&format!(" (request id {id})"));
        }
        Failure {
            status: Status::of(&error),
            message,
        }
    }
}
