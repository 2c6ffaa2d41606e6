//! Every request is checked against the spec before it is sent
//! ([`crate::spec::check`] holds the checks); a request that breaks one is
//! an [`Error::InvalidInput`] and is never sent.

use reqwest::Url;

use crate::error::Error;
use crate::spec::Operation;
use crate::spec::check::{Invalid, check_request, decode_query, match_path};

/// The [`Error::InvalidInput`] of `operation` for `invalid`.
pub(crate) fn invalid_input(operation: Operation, invalid: Invalid) -> Error {
    Error::InvalidInput {
        operation: operation.to_string(),
        parameter: invalid.parameter,
        value: invalid.value,
        allowed: invalid.allowed,
    }
}

/// Checks a built request of `operation` against the spec.
pub(crate) fn validate_url(operation: Operation, url: &Url) -> Result<(), Error> {
    let path = match_path(operation.path(), url.path()).unwrap_or_default();
    let query = decode_query(url.query().unwrap_or(""));
    check_request(operation, &path, &query).map_err(|invalid| invalid_input(operation, invalid))
}
