//! The state the generated client carries, and the hooks progenitor calls
//! around every request.

use progenitor_client::ClientHooks;

use crate::generated::Client;

/// Per-client state handed to the hooks.
#[derive(Clone, Debug, Default)]
pub struct Hooks {}

impl ClientHooks<Hooks> for Client {}
