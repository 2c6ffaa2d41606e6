//! What every HTTP exchange of the crate shares: its `User-Agent`, and the
//! client the credential services are asked with.

use crate::error::Error;

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("hss-client-rust/", env!("CARGO_PKG_VERSION"));

/// An HTTP client for the credential services: `timeout` to connect and
/// for the whole exchange.
pub(crate) fn http_client(timeout: std::time::Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}
