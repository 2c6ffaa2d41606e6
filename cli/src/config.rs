//! The client configuration: the official SDK's environment variables and
//! credential chain, as `hss-client` reads them, with the global flags
//! `--region`, `--endpoint`, `--project-id` and `--rate-limit` taking
//! precedence (the budget's variable is `HSS_RATE_LIMIT`).

use hss_client::env::{ENV_PROJECT_ID, ENV_REGION, Environment};
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
        let env = Environment::new(lookup);
        let project_id = self.project_id.clone().or_else(|| env.project_id());
        let region = match &self.region {
            Some(id) => Some(parse_region(id, "--region")?),
            None if self.endpoint.is_none() => env.region_if_set().map_err(usage)?,
            // With an endpoint, the region only names the project to look
            // up: an unknown one is no error.
            None => env.region_if_set().ok().flatten(),
        };
        let endpoint = match (&self.endpoint, region) {
            (Some(endpoint), _) => {
                Endpoint::parse(endpoint).map_err(|e| Failure::usage(format!("--endpoint: {e}")))?
            }
            (None, Some(region)) => env.endpoint(region).map_err(usage)?,
            (None, None) => {
                return Err(Failure::usage(format!(
                    "no region: pass --region or --endpoint, or set {ENV_REGION}"
                )));
            }
        };
        let budget = match self.rate_limit {
            Some(budget) => budget,
            None => env.budget().map_err(usage)?,
        };
        let mut builder = HssClient::builder()
            .endpoint(endpoint)
            .credentials_provider(env.default_chain().map_err(usage)?)
            .budget(budget);
        if let Some(region) = region {
            builder = builder.region(region);
        }
        if let Some(project_id) = project_id {
            builder = builder.project_id(project_id);
        }
        if let Some(iam) = env.iam_endpoint() {
            builder = builder.iam_endpoint(iam);
        }
        let client = builder.load().await.map_err(load_failure)?;
        if let Some(source) = client.credentials_source() {
            tracing::info!("credentials from {source}");
        }
        Ok(client)
    }
}

fn parse_region(id: &str, from: &str) -> Result<Region, Failure> {
    id.parse()
        .map_err(|e| Failure::usage(format!("{from}: {e}")))
}

/// A configuration that cannot give a client is a usage error (status 2).
fn usage(error: hss_client::Error) -> Failure {
    Failure::usage(error.to_string())
}

/// Why a client could not be loaded, with the status of its cause: a
/// setting missing or malformed (no source gave credentials, no project
/// id, a value out of form) is a usage error (2), so that systemd's
/// `RestartPreventExitStatus=2` and an operator read it as "fix the
/// command line"; a service or the network failing on the way (IAM
/// answering 503, a connection refused, a timeout) is not (3).
fn load_failure(error: hss_client::Error) -> Failure {
    use hss_client::Error;
    match error {
        Error::NoProjectId => Failure::usage(format!(
            "no project id: pass --project-id or set {ENV_PROJECT_ID}, name it in the profile file, or give a region to look it up in"
        )),
        Error::Config(_) | Error::Credentials { .. } | Error::InvalidInput { .. } => usage(error),
        // The service or the network: the status of the error (3).
        other => Failure::from(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Status;

    #[test]
    fn a_missing_setting_is_usage_and_a_failing_service_is_not() {
        let settings = [
            hss_client::Error::NoProjectId,
            hss_client::Error::Config("the access key id (AK) is empty".into()),
            hss_client::Error::Credentials {
                source_name: "the default chain".into(),
                message: "no source gave credentials".into(),
            },
        ];
        for error in settings {
            assert_eq!(load_failure(error).status, Status::Usage);
        }
        let service = hss_client::Error::IdentityService {
            source_name: "the project lookup at http://iam".into(),
            message: "HTTP 503".into(),
        };
        let failure = load_failure(service);
        assert_eq!(failure.status, Status::Service);
        assert!(failure.message.contains("HTTP 503"), "{}", failure.message);
    }
}
