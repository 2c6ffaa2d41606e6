//! What the manual's Rust examples (`docs/*.md` and the README, run by
//! `cargo test --doc -p hss-tests`) run against: hss-mock in-process, the
//! environment [`HssClient::from_env`] and the default chain read pointed
//! at it, and a client of its. An example's hidden lines (`# `) call
//! [`run`] with the function the example shows.

use std::error::Error as StdError;
use std::future::Future;

use hss_client::env::{
    ENV_AK, ENV_METADATA_ENDPOINT, ENV_PROJECT_ID, ENV_RATE_LIMIT, ENV_REGION, ENV_SK,
    region_override,
};
use hss_client::prelude::*;
use hss_mock::{Credentials as MockCredentials, MockConfig, RunningMock};

/// The access key the mock accepts.
pub const AK: &str = "DOCSEXAMPLEACCESSKEY";
/// Its secret key.
pub const SK: &str = "docs-example-secret-key";
/// The region whose endpoint the environment points at the mock.
pub const REGION: &str = "cn-north-4";

/// Where an example's credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Keys {
    /// [`AK`] and [`SK`] in the environment.
    Environment,
    /// No keys in the environment: the mock's metadata service gives
    /// temporary ones, as on an ECS instance with an agency.
    Metadata,
}

/// Runs `example` with a client of a fresh hss-mock, the environment set
/// for it with `keys`; what the example returned.
pub fn run_with<F, Fut, T, E>(keys: Keys, example: F) -> Result<T, Box<dyn StdError>>
where
    F: FnOnce(HssClient) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Into<Box<dyn StdError>>,
{
    // One thread: nothing else reads the environment while it is set.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mock = start().await?;
        set_environment(&mock, keys);
        let client = HssClient::builder()
            .endpoint(Endpoint::parse(&mock.base_url())?)
            .project_id(hss_mock::DEFAULT_PROJECT_ID)
            .credentials(Credentials::ak_sk(AK, SK)?)
            .budget(Budget::Off)
            .build()?;
        let out = example(client).await.map_err(Into::into);
        mock.shutdown().await;
        out
    })
}

/// [`run_with`] with [`Keys::Environment`].
pub fn run<F, Fut, T, E>(example: F) -> Result<T, Box<dyn StdError>>
where
    F: FnOnce(HssClient) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Into<Box<dyn StdError>>,
{
    run_with(Keys::Environment, example)
}

async fn start() -> Result<RunningMock, hss_mock::MockError> {
    hss_mock::start(MockConfig {
        credentials: MockCredentials::new().with_key_pair(AK, SK),
        ..MockConfig::default()
    })
    .await
}

fn set_environment(mock: &RunningMock, keys: Keys) {
    let url = mock.base_url();
    let mut set = vec![
        (ENV_REGION.to_string(), REGION.to_string()),
        (region_override(REGION), url.clone()),
        (
            ENV_PROJECT_ID.to_string(),
            hss_mock::DEFAULT_PROJECT_ID.to_string(),
        ),
        (ENV_RATE_LIMIT.to_string(), "off".to_string()),
    ];
    match keys {
        Keys::Environment => {
            set.push((ENV_AK.to_string(), AK.to_string()));
            set.push((ENV_SK.to_string(), SK.to_string()));
        }
        Keys::Metadata => set.push((ENV_METADATA_ENDPOINT.to_string(), url)),
    }
    for (name, value) in set {
        // SAFETY: an example runs in a process of its own (doctests do),
        // on the one thread of `run_with`'s runtime, before its client
        // reads anything.
        unsafe { std::env::set_var(name, value) };
    }
}
