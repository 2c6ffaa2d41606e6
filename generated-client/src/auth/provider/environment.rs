//! Credentials from the process environment, as the official SDKs read
//! them (Python `huaweicloudsdkcore/auth/provider.py`,
//! `EnvCredentialProvider`): `HUAWEICLOUD_SDK_IDP_ID` and
//! `HUAWEICLOUD_SDK_ID_TOKEN_FILE` for OIDC federation, which wins when
//! both are set; else `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK`, with
//! `HUAWEICLOUD_SDK_SECURITY_TOKEN` for a temporary key
//! ([`Credentials::from_lookup`]); and `HUAWEICLOUD_SDK_PROJECT_ID`.

use futures::future::BoxFuture;

use super::{
    DEFAULT_IAM_ENDPOINT, FederationProvider, ProvideCredentials, Provided, Source, failed,
};
use crate::auth::credentials::Credentials;
use crate::error::Error;
use crate::vars::{ENV_IAM_ENDPOINT, ENV_ID_TOKEN_FILE, ENV_IDP_ID, ENV_PROJECT_ID};

/// The environment's credentials, read when it is made.
#[derive(Debug)]
pub struct EnvironmentProvider {
    found: Result<Found, String>,
    project_id: Option<String>,
}

#[derive(Debug)]
enum Found {
    Key(Box<Provided>),
    Federation(FederationProvider),
}

impl EnvironmentProvider {
    /// Reads the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup` (`None` for an unset variable;
    /// an empty value counts as unset).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let lookup = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let project_id = lookup(ENV_PROJECT_ID);
        let found = match (lookup(ENV_IDP_ID), lookup(ENV_ID_TOKEN_FILE)) {
            (Some(idp_id), Some(file)) => {
                let iam = lookup(ENV_IAM_ENDPOINT).unwrap_or_else(|| DEFAULT_IAM_ENDPOINT.into());
                FederationProvider::new(iam, idp_id, file, Source::Environment)
                    .map(Found::Federation)
                    .map_err(|e| e.to_string())
            }
            (idp, file) => match Credentials::from_lookup(lookup) {
                Ok(credentials) => Ok(Found::Key(Box::new(Provided::permanent(credentials)))),
                Err(error) => Err(match (idp, file) {
                    (Some(_), None) => format!(
                        "{ENV_IDP_ID} is set but {ENV_ID_TOKEN_FILE} is not, and {}",
                        plain(error)
                    ),
                    (None, Some(_)) => format!(
                        "{ENV_ID_TOKEN_FILE} is set but {ENV_IDP_ID} is not, and {}",
                        plain(error)
                    ),
                    _ => plain(error),
                }),
            },
        };
        EnvironmentProvider { found, project_id }
    }
}

fn plain(error: Error) -> String {
    match error {
        Error::Config(message) => message,
        other => other.to_string(),
    }
}

impl ProvideCredentials for EnvironmentProvider {
    fn provide(&self) -> BoxFuture<'_, Result<Provided, Error>> {
        Box::pin(async move {
            let mut provided = match &self.found {
                Ok(Found::Key(provided)) => provided.as_ref().clone(),
                Ok(Found::Federation(federation)) => federation.provide().await?,
                Err(message) => return Err(failed(&self.describe(), message.clone())),
            };
            if provided.project_id.is_none() {
                provided.project_id = self.project_id.clone();
            }
            Ok(provided)
        })
    }

    fn describe(&self) -> String {
        match &self.found {
            Ok(Found::Federation(federation)) => federation.describe(),
            _ => "the environment".to_string(),
        }
    }

    fn source(&self) -> Source {
        Source::Environment
    }
}
