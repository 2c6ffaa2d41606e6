//! How a request is made: the client's state ([`state`]), the request
//! budget of each operation and its adaptive pace ([`budget`], [`pace`]),
//! whether and when to try again ([`retry`]), and the phases every request
//! goes through ([`pipeline`]), with the answer they pass on ([`answer`]).

pub(crate) mod answer;
pub(crate) mod budget;
pub(crate) mod pace;
pub(crate) mod pipeline;
pub(crate) mod retry;
pub(crate) mod state;
