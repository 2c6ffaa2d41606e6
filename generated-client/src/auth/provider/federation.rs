//! OIDC federation: an id token from a file, exchanged at IAM for a
//! temporary key (Python `huaweicloudsdkcore/auth/internal.py`,
//! `FederalAccessor` and `IamHelper`; Go `core/auth/provider`).
//!
//! 1. `POST {iam}/v3.0/OS-AUTH/id-token/tokens` with `X-Idp-Id` and
//!    `{"auth":{"id_token":{"id":"<file contents>"}}}`; the answer's
//!    `X-Subject-Token` header carries a token.
//! 2. `POST {iam}/v3.0/OS-CREDENTIAL/securitytokens` with
//!    `{"auth":{"identity":{"methods":["token"],"token":{"id":"<token>","duration_seconds":21600}}}}`,
//!    which answers a temporary key.
//!
//! The token file is read again on every fetch, so a token the platform
//! rotates in place is picked up.

use std::path::PathBuf;
use std::time::Duration;

use futures::future::BoxFuture;

use super::{ProvideCredentials, Provided, Source, answered, named, temporary};
use crate::error::Error;
use crate::http::http_client;

/// Path of the exchange of an id token for an IAM token.
pub const ID_TOKEN_PATH: &str = "/v3.0/OS-AUTH/id-token/tokens";
/// Path of the exchange of an IAM token for a temporary key.
pub const SECURITY_TOKENS_PATH: &str = "/v3.0/OS-CREDENTIAL/securitytokens";
/// The lifetime asked for a temporary key, as the SDKs ask (6 hours).
pub const DURATION_SECONDS: u64 = 6 * 60 * 60;

/// Temporary keys for an OIDC id token.
pub struct FederationProvider {
    iam_endpoint: String,
    idp_id: String,
    id_token_file: PathBuf,
    source: Source,
    http: reqwest::Client,
}

impl std::fmt::Debug for FederationProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FederationProvider")
            .field("iam_endpoint", &self.iam_endpoint)
            .field("idp_id", &self.idp_id)
            .field("id_token_file", &self.id_token_file)
            .finish_non_exhaustive()
    }
}

impl FederationProvider {
    /// Exchanges the id token in `id_token_file` at `iam_endpoint` for the
    /// identity provider `idp_id`; `source` is where this configuration
    /// came from.
    pub fn new(
        iam_endpoint: impl Into<String>,
        idp_id: impl Into<String>,
        id_token_file: impl Into<PathBuf>,
        source: Source,
    ) -> Result<Self, Error> {
        Ok(FederationProvider {
            iam_endpoint: iam_endpoint.into().trim_end_matches('/').to_string(),
            idp_id: idp_id.into(),
            id_token_file: id_token_file.into(),
            source,
            http: http_client(Duration::from_secs(10))?,
        })
    }

    async fn fetch(&self) -> Result<Provided, String> {
        let file = self.id_token_file.display();
        let id_token = std::fs::read_to_string(&self.id_token_file)
            .map_err(|e| format!("cannot read the id token file {file}: {e}"))?;
        let id_token = id_token.trim();
        if id_token.is_empty() {
            return Err(format!("the id token file {file} is empty"));
        }
        let url = format!("{}{ID_TOKEN_PATH}", self.iam_endpoint);
        let what = format!("POST {url}");
        let body = serde_json::json!({"auth": {"id_token": {"id": id_token}}});
        let sent = self
            .http
            .post(&url)
            .header("X-Idp-Id", &self.idp_id)
            .json(&body)
            .send()
            .await;
        let (headers, _) = answered(&what, sent).await?;
        let token = headers
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("{what}: the answer has no X-Subject-Token header"))?;
        let url = format!("{}{SECURITY_TOKENS_PATH}", self.iam_endpoint);
        let what = format!("POST {url}");
        let body = serde_json::json!({"auth": {"identity": {
            "methods": ["token"],
            "token": {"id": token, "duration_seconds": DURATION_SECONDS},
        }}});
        let sent = self.http.post(&url).json(&body).send().await;
        let (_, bytes) = answered(&what, sent).await?;
        let mut provided = temporary::parse(&bytes).map_err(|e| format!("{what}: {e}"))?;
        provided.iam_endpoint = Some(self.iam_endpoint.clone());
        Ok(provided)
    }
}

impl ProvideCredentials for FederationProvider {
    fn provide(&self) -> BoxFuture<'_, Result<Provided, Error>> {
        named(self, self.fetch())
    }

    fn describe(&self) -> String {
        format!(
            "OIDC federation (from {}: identity provider {}, id token file {}, IAM {})",
            self.source,
            self.idp_id,
            self.id_token_file.display(),
            self.iam_endpoint
        )
    }

    fn source(&self) -> Source {
        self.source
    }
}
