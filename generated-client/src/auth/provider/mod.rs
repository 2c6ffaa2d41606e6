//! Where credentials come from, and keeping them current.
//!
//! A [`ProvideCredentials`] fetches credentials from one source:
//! [`EnvironmentProvider`] (`HUAWEICLOUD_SDK_*` variables),
//! [`ProfileProvider`] (an INI file), [`MetadataProvider`] (the ECS
//! instance's metadata service) or [`FederationProvider`] (an OIDC id
//! token exchanged at IAM). [`DefaultChain`] tries the first three in that
//! order, as the official SDKs' default chain does (Python
//! `huaweicloudsdkcore/auth/provider.py`, `CredentialProviderChain`; Go
//! `core/auth/provider`, `DefaultCredentialProviderChain`), and keeps the
//! first that answers.
//!
//! A client built with a provider keeps its keys current
//! ([`crate::HssClientBuilder::credentials_provider`], [`super::cache`]): before a request
//! is signed, temporary keys close to their `expires_at` are fetched
//! again, once for all the requests waiting on them, and a request is
//! never signed with a key past its `expires_at`.

mod chain;
mod environment;
pub mod federation;
pub mod metadata;
mod profile;
mod temporary;

use std::fmt;
use std::time::SystemTime;

use futures::future::BoxFuture;

use super::credentials::Credentials;
use crate::error::Error;

pub use chain::DefaultChain;
pub use environment::EnvironmentProvider;
pub use federation::FederationProvider;
pub use metadata::MetadataProvider;
pub use profile::ProfileProvider;

/// The IAM endpoint when none is configured, as in the official SDKs.
pub const DEFAULT_IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";

/// A source of credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Given in code.
    Code,
    /// The process environment.
    Environment,
    /// A profile file.
    Profile,
    /// The ECS metadata service.
    Metadata,
    /// The default chain, before one of its sources gave credentials.
    Chain,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Code => "code",
            Source::Environment => "the environment",
            Source::Profile => "the profile file",
            Source::Metadata => "the ECS metadata service",
            Source::Chain => "the default chain",
        })
    }
}

/// Credentials as a source gave them.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Provided {
    /// The credentials.
    pub credentials: Credentials,
    /// When temporary credentials expire; `None` for permanent ones, which
    /// are never fetched again.
    pub expires_at: Option<SystemTime>,
    /// The project id, when the source names one.
    pub project_id: Option<String>,
    /// The IAM endpoint, when the source names one.
    pub iam_endpoint: Option<String>,
}

impl Provided {
    /// Permanent credentials, without a project id.
    pub fn permanent(credentials: Credentials) -> Self {
        Provided {
            credentials,
            expires_at: None,
            project_id: None,
            iam_endpoint: None,
        }
    }

    /// Temporary credentials that expire at `expires_at`.
    pub fn temporary(credentials: Credentials, expires_at: SystemTime) -> Self {
        Provided {
            expires_at: Some(expires_at),
            ..Provided::permanent(credentials)
        }
    }
}

/// Fetches credentials from one source. Implementations never show a
/// secret in `Debug`, in [`ProvideCredentials::describe`] or in an error.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Fetches the credentials (again, for temporary ones). The error is
    /// [`Error::Credentials`], naming the source.
    fn provide(&self) -> BoxFuture<'_, Result<Provided, Error>>;

    /// The source, for logs and errors: its kind and where it reads from,
    /// never a secret.
    fn describe(&self) -> String;

    /// Its kind.
    fn source(&self) -> Source;
}

/// `fetch`'s credentials, or its message as the error of `source`.
pub(crate) fn named<'a>(
    source: &'a dyn ProvideCredentials,
    fetch: impl Future<Output = Result<Provided, String>> + Send + 'a,
) -> BoxFuture<'a, Result<Provided, Error>> {
    Box::pin(async move {
        fetch
            .await
            .map_err(|message| failed(&source.describe(), message))
    })
}

/// The error of a source.
pub(crate) fn failed(source: &str, message: impl Into<String>) -> Error {
    Error::Credentials {
        source_name: source.to_string(),
        message: message.into(),
    }
}

/// The headers and body of a successful answer to `what` (`POST URL`), or
/// what went wrong, prefixed with it: the transport error, or the status
/// and the start of the body.
pub(crate) async fn answered(
    what: &str,
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<(reqwest::header::HeaderMap, bytes::Bytes), String> {
    let answer = sent.map_err(|e| format!("{what}: {e}"))?;
    let status = answer.status();
    let headers = answer.headers().clone();
    let body = answer.bytes().await.map_err(|e| format!("{what}: {e}"))?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body);
        let mut text: String = text.chars().take(200).collect();
        if text.is_empty() {
            text.push_str("(empty body)");
        }
        return Err(format!("{what}: HTTP {status}: {text}"));
    }
    Ok((headers, body))
}
