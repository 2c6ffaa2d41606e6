//! Who a request is from: the [`credentials`], where they come from
//! ([`provider`]: the environment, a profile file, the ECS metadata
//! service, OIDC federation, and the default chain of them), the key cache
//! that keeps temporary keys current ([`cache`]), the project lookup at
//! IAM ([`project`]), the SDK-HMAC-SHA256 algorithm ([`signer`]) and
//! signing one request with it ([`sign`]).

pub(crate) mod cache;
pub(crate) mod credentials;
pub(crate) mod project;
pub(crate) mod provider;
pub(crate) mod sign;
pub(crate) mod signer;
