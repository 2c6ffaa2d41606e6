//! The client configuration: the official SDK's environment variables, as
//! `hss-client` reads them, with the global flags `--region`, `--endpoint`,
//! `--project-id` and `--rate-limit` taking precedence (the budget's
//! variable is `HSS_RATE_LIMIT`).

use hss_client::client::{ENV_REGION, budget_from};
use hss_client::credentials::ENV_PROJECT_ID;
use hss_client::{Budget, Credentials, Endpoint, HssClient, Region};

use crate::exit::Failure;

/// The global flags, as given.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Globals {
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint`.
    pub endpoint: Option<String>,
    /// `--project-id`.
    pub project_id: Option<String>,
    /// `--rate-limit`.
    pub rate_limit: Option<Budget>,
}

impl Globals {
    /// The client these flags and `lookup` (the environment) describe.
    /// Credentials come from the environment only, never from a flag, so
    /// that no secret shows in a process list or a shell history.
    pub fn client(&self, lookup: impl Fn(&str) -> Option<String>) -> Result<HssClient, Failure> {
        let lookup = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let credentials = Credentials::from_lookup(lookup).map_err(usage)?;
        let project_id = self
            .project_id
            .clone()
            .or_else(|| lookup(ENV_PROJECT_ID))
            .ok_or_else(|| {
                Failure::usage(format!(
                    "no project id: pass --project-id or set {ENV_PROJECT_ID}"
                ))
            })?;
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(endpoint), _) => {
                Endpoint::parse(endpoint).map_err(|e| Failure::usage(format!("--endpoint: {e}")))?
            }
            (None, region) => {
                let (id, source) = match region {
                    Some(id) => (id.clone(), "--region".to_string()),
                    None => (
                        lookup(ENV_REGION).ok_or_else(|| {
                            Failure::usage(format!(
                                "no region: pass --region or --endpoint, or set {ENV_REGION}"
                            ))
                        })?,
                        ENV_REGION.to_string(),
                    ),
                };
                let region: Region = id
                    .parse()
                    .map_err(|e| Failure::usage(format!("{source}: {e}")))?;
                region.endpoint_with(lookup).map_err(usage)?
            }
        };
        let budget = match self.rate_limit {
            Some(budget) => budget,
            None => budget_from(lookup).map_err(usage)?,
        };
        HssClient::builder()
            .endpoint(endpoint)
            .project_id(project_id)
            .credentials(credentials)
            .budget(budget)
            .build()
            .map_err(usage)
    }
}

fn usage(error: hss_client::Error) -> Failure {
    Failure::usage(error.to_string())
}
