//! The default chain: the environment, then the profile file, then the ECS
//! metadata service; the first that gives credentials wins, and later
//! fetches ask it alone (Python `huaweicloudsdkcore/auth/provider.py`,
//! `CredentialProviderChain.get_basic_credential_provider_chain`; Go
//! `core/auth/provider`, `BasicCredentialProviderChain`). When none gives
//! any, the error says what each one lacked.

use std::sync::{Mutex, PoisonError};

use futures::future::BoxFuture;

use super::{
    EnvironmentProvider, MetadataProvider, ProfileProvider, ProvideCredentials, Provided, Source,
    failed,
};
use crate::error::Error;

/// The sources tried in order.
#[derive(Debug)]
pub struct DefaultChain {
    providers: Vec<Box<dyn ProvideCredentials>>,
    chosen: Mutex<Option<usize>>,
}

impl DefaultChain {
    /// The chain over the process environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The chain over variables read through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Ok(Self::of(vec![
            Box::new(EnvironmentProvider::from_lookup(&lookup)),
            Box::new(ProfileProvider::from_lookup(&lookup)),
            Box::new(MetadataProvider::from_lookup(&lookup)?),
        ]))
    }

    /// A chain of these sources, tried in order.
    pub fn of(providers: Vec<Box<dyn ProvideCredentials>>) -> Self {
        DefaultChain {
            providers,
            chosen: Mutex::new(None),
        }
    }

    fn chosen(&self) -> Option<&dyn ProvideCredentials> {
        let chosen = *self.chosen.lock().unwrap_or_else(PoisonError::into_inner);
        chosen
            .and_then(|i| self.providers.get(i))
            .map(AsRef::as_ref)
    }
}

impl ProvideCredentials for DefaultChain {
    fn provide(&self) -> BoxFuture<'_, Result<Provided, Error>> {
        Box::pin(async move {
            if let Some(provider) = self.chosen() {
                return provider.provide().await;
            }
            let mut lacked = Vec::new();
            for (index, provider) in self.providers.iter().enumerate() {
                match provider.provide().await {
                    Ok(provided) => {
                        *self.chosen.lock().unwrap_or_else(PoisonError::into_inner) = Some(index);
                        return Ok(provided);
                    }
                    Err(Error::Credentials {
                        source_name,
                        message,
                    }) => {
                        lacked.push(format!("{source_name}: {message}"));
                    }
                    Err(other) => lacked.push(format!("{}: {other}", provider.describe())),
                }
            }
            Err(failed(
                "the default chain",
                format!("no source gave credentials ({})", lacked.join("; ")),
            ))
        })
    }

    fn describe(&self) -> String {
        match self.chosen() {
            Some(provider) => provider.describe(),
            None => {
                "the default chain (the environment, the profile file, the ECS metadata service)"
                    .to_string()
            }
        }
    }

    fn source(&self) -> Source {
        self.chosen()
            .map_or(Source::Chain, ProvideCredentials::source)
    }
}
