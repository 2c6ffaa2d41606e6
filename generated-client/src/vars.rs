//! Every environment variable the crate reads, by name, in one place:
//! the official SDKs' (`HUAWEICLOUD_SDK_*`, and the documentation samples'
//! `CLOUD_SDK_*`) and this crate's own. The credential sources read them
//! ([`crate::provider`]), and one loader reads the rest
//! ([`crate::env::Environment`]) for [`crate::HssClient::from_env`],
//! [`crate::HssClient::from_default_chain`] and `hss`.

use crate::error::Error;

/// The access key id.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// The secret access key.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// The security token of temporary credentials.
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// The project id.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// The account (domain) id, as the official SDKs name it; only the SIEM
/// events read it (`cloud.account`).
pub const ENV_DOMAIN_ID: &str = "HUAWEICLOUD_SDK_DOMAIN_ID";
/// The access key id as the API documentation's samples name it, read
/// when [`ENV_AK`] is not set.
pub const ENV_AK_FALLBACK: &str = "CLOUD_SDK_AK";
/// The secret key as the API documentation's samples name it, read when
/// [`ENV_SK`] is not set.
pub const ENV_SK_FALLBACK: &str = "CLOUD_SDK_SK";
/// The region id. (The official SDKs take the region in code; this name
/// is this crate's.)
pub const ENV_REGION: &str = "HUAWEICLOUD_SDK_REGION";
/// The profile file (default `~/.huaweicloud/credentials`).
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// The id of the identity provider, for OIDC federation.
pub const ENV_IDP_ID: &str = "HUAWEICLOUD_SDK_IDP_ID";
/// The file that holds the OIDC id token.
pub const ENV_ID_TOKEN_FILE: &str = "HUAWEICLOUD_SDK_ID_TOKEN_FILE";
/// The IAM endpoint federation and the project lookup use.
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
/// The metadata service's base URL (this crate's own; the official SDKs
/// always use `http://169.254.169.254`).
pub const ENV_METADATA_ENDPOINT: &str = "HUAWEICLOUD_SDK_METADATA_ENDPOINT";
/// The request budget (`5/60s`, `off`, `spec`; this crate's own).
pub const ENV_RATE_LIMIT: &str = "HSS_RATE_LIMIT";
/// The start of the variable that overrides a region's HSS endpoint
/// ([`region_override`]).
pub const ENV_REGION_OVERRIDE_PREFIX: &str = "HUAWEICLOUD_SDK_REGION_HSS_";

/// The variable that overrides the HSS endpoint of the region `id`:
/// [`ENV_REGION_OVERRIDE_PREFIX`] and the id in upper case with `_` for
/// `-` (for example `HUAWEICLOUD_SDK_REGION_HSS_CN_NORTH_4`).
pub fn region_override(id: &str) -> String {
    format!(
        "{ENV_REGION_OVERRIDE_PREFIX}{}",
        id.to_ascii_uppercase().replace('-', "_")
    )
}

/// Reads a variable that must be set and not empty.
pub(crate) fn required(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<String, Error> {
    match lookup(name) {
        None => Err(Error::Config(format!(
            "environment variable {name} is not set"
        ))),
        Some(value) if value.is_empty() => Err(empty_variable(name)),
        Some(value) => Ok(value),
    }
}

/// The error of a variable that is set but empty.
pub(crate) fn empty_variable(name: &str) -> Error {
    Error::Config(format!("environment variable {name} is set but empty"))
}
