//! Temporary keys from the ECS instance's metadata service, for the
//! agency the instance runs as (Python `huaweicloudsdkcore/auth/internal.py`,
//! `MetadataAccessor`; Go `core/auth/provider`, `MetadataCredentialProvider`):
//!
//! 1. `PUT {base}/meta-data/latest/api/token` with
//!    `X-Metadata-Token-Ttl-Seconds: 21600` gives a session token; a 404,
//!    405 or 503 means the service has none, and it is asked without one.
//! 2. `GET {base}/openstack/latest/securitykey`, with `X-Metadata-Token`
//!    when there is a session token, answers the key. On a 401 a new
//!    session token is asked for, once, and the key again.
//!
//! Every exchange times out after 3 s. The base is
//! `http://169.254.169.254`, or `HUAWEICLOUD_SDK_METADATA_ENDPOINT`.

use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::StatusCode;

use super::{ProvideCredentials, Provided, Source, answered, named, temporary};
use crate::auth::credentials::Secret;
use crate::error::Error;
use crate::http::http_client;
use crate::vars::ENV_METADATA_ENDPOINT;

/// The metadata service's address on an ECS instance.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";
/// Path of the session token.
pub const TOKEN_PATH: &str = "/meta-data/latest/api/token";
/// Path of the temporary key.
pub const SECURITY_KEY_PATH: &str = "/openstack/latest/securitykey";
/// Each exchange's timeout, as in the SDKs.
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// The session token's lifetime asked for, as in the SDKs (6 hours).
pub const TOKEN_TTL_SECONDS: u64 = 6 * 60 * 60;

/// The metadata service's temporary keys.
pub struct MetadataProvider {
    base: String,
    http: reqwest::Client,
    /// The session token, once one was given (`Some(None)`: the service
    /// has none).
    session: tokio::sync::Mutex<Option<Option<Secret>>>,
}

impl std::fmt::Debug for MetadataProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataProvider")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl MetadataProvider {
    /// The service at the address the environment names, else at
    /// [`DEFAULT_METADATA_ENDPOINT`].
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`MetadataProvider::from_env`], reading variables through
    /// `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let base = lookup(ENV_METADATA_ENDPOINT)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_METADATA_ENDPOINT.into());
        Self::at(base)
    }

    /// The service at `base`.
    pub fn at(base: impl Into<String>) -> Result<Self, Error> {
        Ok(MetadataProvider {
            base: base.into().trim_end_matches('/').to_string(),
            http: http_client(TIMEOUT)?,
            session: tokio::sync::Mutex::new(None),
        })
    }

    /// A new session token; `Ok(None)` when the service has none (and
    /// `strict` is false).
    async fn session_token(&self, strict: bool) -> Result<Option<Secret>, String> {
        let url = format!("{}{TOKEN_PATH}", self.base);
        let answer = self
            .http
            .put(&url)
            .header(
                "X-Metadata-Token-Ttl-Seconds",
                TOKEN_TTL_SECONDS.to_string(),
            )
            .send()
            .await
            .map_err(|e| {
                format!(
                    "no metadata service answers at {}: PUT {url}: {e}",
                    self.base
                )
            })?;
        let status = answer.status();
        if status.is_success() {
            let token = answer.text().await.map_err(|e| format!("PUT {url}: {e}"))?;
            let token = token.trim();
            if token.is_empty() {
                return Err(format!("PUT {url}: the session token is empty"));
            }
            return Ok(Some(Secret::new(token)));
        }
        let without = [
            StatusCode::NOT_FOUND,
            StatusCode::METHOD_NOT_ALLOWED,
            StatusCode::SERVICE_UNAVAILABLE,
        ];
        if without.contains(&status) && !strict {
            return Ok(None);
        }
        // Not a success: the error names the status and the body's start.
        answered(&format!("PUT {url}"), Ok(answer)).await?;
        Err(format!("PUT {url}: HTTP {status}"))
    }

    fn key(
        &self,
        token: Option<&Secret>,
    ) -> impl Future<Output = Result<reqwest::Response, reqwest::Error>> + use<'_> {
        let url = format!("{}{SECURITY_KEY_PATH}", self.base);
        let mut request = self.http.get(url);
        if let Some(token) = token {
            request = request.header("X-Metadata-Token", token.expose());
        }
        request.send()
    }

    async fn fetch(&self) -> Result<Provided, String> {
        let mut session = self.session.lock().await;
        if session.is_none() {
            *session = Some(self.session_token(false).await?);
        }
        let what = format!("GET {}{SECURITY_KEY_PATH}", self.base);
        let unreachable = |e: reqwest::Error| {
            format!("no metadata service answers at {}: {what}: {e}", self.base)
        };
        let mut sent = self.key(session.as_ref().and_then(Option::as_ref)).await;
        if sent
            .as_ref()
            .is_ok_and(|a| a.status() == StatusCode::UNAUTHORIZED)
        {
            let token = self.session_token(true).await?;
            sent = self.key(token.as_ref()).await;
            *session = Some(token);
        }
        let sent = sent.map_err(unreachable)?;
        let (_, body) = answered(&what, Ok(sent)).await?;
        temporary::parse(&body).map_err(|e| format!("{what}: {e}"))
    }
}

impl ProvideCredentials for MetadataProvider {
    fn provide(&self) -> BoxFuture<'_, Result<Provided, Error>> {
        named(self, self.fetch())
    }

    fn describe(&self) -> String {
        format!("the ECS metadata service at {}", self.base)
    }

    fn source(&self) -> Source {
        Source::Metadata
    }
}
