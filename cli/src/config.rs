//! The client configuration: the official SDK's environment variables and
//! credential chain, as `hss-client` reads them, with the global flags
//! `--region`, `--endpoint`, `--project-id` and `--rate-limit` taking
//! precedence (the budget's variable is `HSS_RATE_LIMIT`).

use hss_client::client::{ENV_REGION, budget_from};
use hss_client::credentials::ENV_PROJECT_ID;
use hss_client::provider::{DefaultChain, ENV_IAM_ENDPOINT};
use hss_client::{Budget, Endpoint, HssClient, Region};

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
    /// Credentials come from the default chain (the environment, the
    /// profile file, the ECS metadata service), never from a flag, so that
    /// no secret shows in a process list or a shell history. Its first key
    /// is fetched here, and the project id looked up when none is given.
    pub async fn client(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<HssClient, Failure> {
        let lookup = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let project_id = self.project_id.clone().or_else(|| lookup(ENV_PROJECT_ID));
        let region = match (&self.region, lookup(ENV_REGION)) {
            (Some(id), _) => Some(parse_region(id, "--region")?),
            (None, Some(id)) if self.endpoint.is_none() => Some(parse_region(&id, ENV_REGION)?),
            // With an endpoint, the region only names the project to look
            // up: an unknown one is no error.
            (None, Some(id)) => id.parse::<Region>().ok(),
            (None, None) => None,
        };
        let endpoint = match (&self.endpoint, region) {
            (Some(endpoint), _) => {
                Endpoint::parse(endpoint).map_err(|e| Failure::usage(format!("--endpoint: {e}")))?
            }
            (None, Some(region)) => region.endpoint_with(lookup).map_err(usage)?,
            (None, None) => {
                return Err(Failure::usage(format!(
                    "no region: pass --region or --endpoint, or set {ENV_REGION}"
                )));
            }
        };
        let budget = match self.rate_limit {
            Some(budget) => budget,
            None => budget_from(lookup).map_err(usage)?,
        };
        let mut builder = HssClient::builder()
            .endpoint(endpoint)
            .credentials_provider(DefaultChain::from_lookup(lookup).map_err(usage)?)
            .budget(budget);
        if let Some(region) = region {
            builder = builder.region(region);
        }
        if let Some(project_id) = project_id {
            builder = builder.project_id(project_id);
        }
        if let Some(iam) = lookup(ENV_IAM_ENDPOINT) {
            builder = builder.iam_endpoint(iam);
        }
        let client = builder.load().await.map_err(|error| match error {
            hss_client::Error::Config(message) if project_id_missing(&message) => Failure::usage(format!(
                "no project id: pass --project-id or set {ENV_PROJECT_ID}, name it in the profile file, or give a region to look it up in"
            )),
            other => usage(other),
        })?;
        if let Some(source) = client.credentials_source() {
            tracing::info!("credentials from {source}");
        }
        Ok(client)
    }
}

/// Whether the builder's error is the missing project id.
fn project_id_missing(message: &str) -> bool {
    message.starts_with(hss_client::client::NO_PROJECT_ID)
}

fn parse_region(id: &str, from: &str) -> Result<Region, Failure> {
    id.parse()
        .map_err(|e| Failure::usage(format!("{from}: {e}")))
}

/// A configuration that cannot give a client is a usage error (status 2).
fn usage(error: hss_client::Error) -> Failure {
    Failure::usage(error.to_string())
}
