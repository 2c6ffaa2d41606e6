//! The credential chain against hss-mock's identity services: temporary
//! keys from the metadata service and from OIDC federation, rotating while
//! streams run; the chain's order and precedence; the project lookup.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use hss_client::PageOptions;
use hss_client::env::{
    ENV_CREDENTIALS_FILE, ENV_IAM_ENDPOINT, ENV_ID_TOKEN_FILE, ENV_IDP_ID, ENV_METADATA_ENDPOINT,
};
use hss_client::prelude::*;
use hss_client::provider::{
    DefaultChain, FederationProvider, MetadataProvider, ProvideCredentials, Source,
};
use hss_client::{Budget, Query};
use hss_mock::identity::IdentityConfig;
use hss_mock::{Credentials as MockCredentials, LiveConfig, MockConfig, RunningMock, start};
use hss_tests::requests::selecting_query;
use hss_tests::service::{WINDOW, budget, identity_stats, mock_config, scale};

const AK: &str = "AKCHAINTEST000000001";
const SK: &str = "sk-chain-test-000000000000000000000001";

async fn mock(events: u64, identity: IdentityConfig, latency: Duration) -> RunningMock {
    start(MockConfig {
        credentials: MockCredentials::new().with_key_pair(AK, SK),
        identity,
        ..mock_config(events, None, LiveConfig::default(), latency)
    })
    .await
    .expect("mock starts")
}

fn rotating(lifetime: Duration) -> IdentityConfig {
    IdentityConfig {
        key_lifetime: lifetime,
        ..IdentityConfig::default()
    }
}

fn client_with(
    mock: &RunningMock,
    provider: impl ProvideCredentials + 'static,
) -> HssClientBuilder {
    HssClient::builder()
        .endpoint(Endpoint::parse(&mock.base_url()).expect("endpoint"))
        .credentials_provider(provider)
        .budget(Budget::Off)
}

/// A client of the mock's project, its keys from the mock's metadata
/// service.
async fn metadata_client(mock: &RunningMock) -> HssClient {
    client_with(
        mock,
        MetadataProvider::at(mock.base_url()).expect("provider"),
    )
    .project_id(hss_mock::DEFAULT_PROJECT_ID)
    .load()
    .await
    .expect("client loads")
}

fn paged() -> Operation {
    *Operation::ALL
        .iter()
        .find(|op| op.pagination().is_some())
        .expect("an operation pages")
}

fn query(mock: &RunningMock, operation: Operation) -> Query {
    selecting_query(mock, operation)
        .into_iter()
        .fold(Query::new(operation), |q, (name, value)| {
            q.with(name, value)
        })
}

/// Reads the whole list; the number of records.
async fn read_all(client: HssClient, query: Query, page_size: i64) -> usize {
    let mut options = PageOptions::default();
    options.page_size = Some(page_size);
    let mut pages = query.pages(client, options);
    let mut records = 0;
    while let Some(page) = pages.next().await {
        records += page.expect("every page is answered").items.len();
    }
    records
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_keys_rotate_under_eight_streams_and_are_fetched_once_per_rotation() {
    // Keys that live 2 s: a request signed just before its key is due
    // still has half a second or more to reach the mock on a busy machine.
    let lifetime = Duration::from_millis(2_000);
    let operation = paged();
    let mock = mock(800, rotating(lifetime), Duration::from_millis(40)).await;
    // From before the first key: every key fetched falls in the span.
    let began = Instant::now();
    let client = metadata_client(&mock).await;
    let query = query(&mock, operation);
    let expected = usize::try_from(mock.records(operation).expect("records").len()).expect("fits");
    let tasks: Vec<_> = (0..8)
        .map(|_| tokio::spawn(read_all(client.clone(), query.clone(), 10)))
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("stream runs"), expected);
    }
    let elapsed = began.elapsed();
    // Every request was signed with a key the mock took as current: it
    // refuses an expired one, or one without its security token.
    let stats = mock.stats();
    assert_eq!(
        stats["answers"].as_object().map(|a| a.len()),
        Some(1),
        "{stats}"
    );
    let requests = stats["answers"]["200"].as_u64().expect("answered");
    let identity = identity_stats(&mock).await.expect("identity stats");
    let asked = identity["security_keys"].as_u64().expect("counted");
    let rotations = (elapsed.as_secs_f64() / (lifetime.as_secs_f64() / 2.0)).ceil() as u64;
    eprintln!("{requests} requests over {rotations} rotations: {asked} keys fetched");
    assert!(
        rotations >= 3,
        "the streams ran over {rotations} rotations only; slow the mock down"
    );
    assert!(
        asked >= 2,
        "{asked} keys fetched over {rotations} rotations"
    );
    assert!(
        asked <= rotations + 1,
        "{asked} keys fetched over {rotations} rotations (and {requests} requests)"
    );
    // The first key came with `load`; the rest were fetched again.
    assert_eq!(client.credentials_fetches() + 1, asked);
    // One session token served every fetch.
    assert_eq!(identity["session_tokens"], 1, "{identity}");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rotating_keys_under_the_documented_limit_give_neither_a_401_nor_a_429() {
    let operation = paged();
    // The documented limit, its window scaled to 400 ms; keys that live
    // 2 s, so that the budget's waits span several rotations and a
    // request signed just before its key is due still has half a second
    // or more to reach the mock.
    let mut config = mock_config(
        1_000,
        Some(scale(operation, WINDOW)),
        LiveConfig::default(),
        Duration::ZERO,
    );
    config.identity = rotating(Duration::from_millis(2_000));
    let mock = start(config).await.expect("mock starts");
    let client = client_with(
        &mock,
        MetadataProvider::at(mock.base_url()).expect("provider"),
    )
    .project_id(hss_mock::DEFAULT_PROJECT_ID)
    .budget(budget(operation, WINDOW, 1))
    .load()
    .await
    .expect("client loads");
    let expected = usize::try_from(mock.records(operation).expect("records").len()).expect("fits");
    let tasks: Vec<_> = (0..4)
        .map(|_| tokio::spawn(read_all(client.clone(), query(&mock, operation), 100)))
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("stream runs"), expected);
    }
    let stats = mock.stats();
    assert_eq!(
        stats["answers"].as_object().map(|a| a.len()),
        Some(1),
        "{stats}"
    );
    assert!(stats["answers"]["200"].as_u64().is_some(), "{stats}");
    let asked = identity_stats(&mock).await.expect("identity stats")["security_keys"]
        .as_u64()
        .expect("counted");
    assert!(asked >= 2, "one key signed every request: {asked}");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_metadata_service_without_session_tokens_serves_keys_all_the_same() {
    let mock = mock(
        50,
        IdentityConfig {
            session_tokens: false,
            ..IdentityConfig::default()
        },
        Duration::ZERO,
    )
    .await;
    let client = metadata_client(&mock).await;
    let operation = paged();
    assert_eq!(read_all(client, query(&mock, operation), 20).await, 50);
    let identity = identity_stats(&mock).await.expect("identity stats");
    assert_eq!(identity["session_tokens"], 0, "{identity}");
    assert_eq!(identity["security_keys"], 1, "{identity}");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_token_the_service_forgot_is_asked_for_again_once() {
    let mock = mock(10, IdentityConfig::default(), Duration::ZERO).await;
    let provider = MetadataProvider::at(mock.base_url()).expect("provider");
    let first = provider.provide().await.expect("a key");
    mock.shared().identity.forget_sessions();
    let second = provider.provide().await.expect("a key after a 401");
    assert_eq!(first.credentials, second.credentials);
    let identity = identity_stats(&mock).await.expect("identity stats");
    assert_eq!(identity["session_tokens"], 2, "{identity}");
    assert_eq!(identity["security_keys"], 2, "{identity}");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn federation_exchanges_the_id_token_and_reads_the_file_on_every_fetch() {
    let mock = mock(50, rotating(Duration::from_millis(600)), Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let token_file = dir.path().join("id-token");
    std::fs::write(&token_file, "mock-id-token\n").expect("token written");
    let provider = FederationProvider::new(
        mock.base_url(),
        "mock-idp",
        &token_file,
        Source::Environment,
    )
    .expect("provider");
    let client = client_with(&mock, provider)
        .project_id(hss_mock::DEFAULT_PROJECT_ID)
        .load()
        .await
        .expect("client loads");
    let operation = paged();
    assert_eq!(
        read_all(client.clone(), query(&mock, operation), 50).await,
        50
    );
    // However long that took (a key due meanwhile was exchanged again
    // with the good token), the next fetch exchanges the new token once.
    let before = identity_stats(&mock).await.expect("identity stats")["id_token_exchanges"]
        .as_u64()
        .expect("counted");
    assert!(before >= 1, "the first key came from an exchange");
    // The token the platform writes next is read at the next fetch.
    std::fs::write(&token_file, "a-token-the-mock-refuses").expect("token written");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let error = query(&mock, operation)
        .call(&client)
        .await
        .expect_err("the expired key cannot be replaced");
    let text = error.to_string();
    assert!(text.contains("OIDC federation"), "{text}");
    assert!(text.contains("id-token/tokens"), "{text}");
    assert!(!text.contains("a-token-the-mock-refuses"), "{text}");
    let identity = identity_stats(&mock).await.expect("identity stats");
    assert_eq!(identity["id_token_exchanges"], before + 1, "{identity}");
    mock.shutdown().await;
}

fn lookup(vars: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> + Clone {
    let vars = Arc::new(vars);
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

/// A metadata endpoint nothing listens on: refused at once.
fn no_metadata() -> (&'static str, String) {
    (ENV_METADATA_ENDPOINT, "http://127.0.0.1:9".to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chain_takes_the_environment_then_the_profile_then_the_metadata_service() {
    let mock = mock(10, IdentityConfig::default(), Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let profile = dir.path().join("credentials");
    std::fs::write(
        &profile,
        "[basic]\nak = AKPROFILE\nsk = profile-sk\nproject_id = from-profile\n",
    )
    .expect("profile written");
    let token_file = dir.path().join("id-token");
    std::fs::write(&token_file, "mock-id-token").expect("token written");
    let profile_var = (ENV_CREDENTIALS_FILE, profile.display().to_string());

    // The environment first.
    let chain = DefaultChain::from_lookup(lookup(vec![
        ("HUAWEICLOUD_SDK_AK", "AKENV".into()),
        ("HUAWEICLOUD_SDK_SK", "env-sk".into()),
        profile_var.clone(),
        no_metadata(),
    ]))
    .expect("chain");
    let provided = chain.provide().await.expect("credentials");
    assert_eq!(chain.source(), Source::Environment);
    assert_eq!(
        provided.credentials,
        Credentials::ak_sk("AKENV", "env-sk").expect("key")
    );

    // Federation wins over a key in the same place.
    let chain = DefaultChain::from_lookup(lookup(vec![
        ("HUAWEICLOUD_SDK_AK", "AKENV".into()),
        ("HUAWEICLOUD_SDK_SK", "env-sk".into()),
        (ENV_IDP_ID, "mock-idp".into()),
        (ENV_ID_TOKEN_FILE, token_file.display().to_string()),
        (ENV_IAM_ENDPOINT, mock.base_url()),
        no_metadata(),
    ]))
    .expect("chain");
    let provided = chain.provide().await.expect("credentials");
    assert!(
        chain.describe().contains("OIDC federation"),
        "{}",
        chain.describe()
    );
    assert!(provided.expires_at.is_some());

    // Then the profile file, with its project id.
    let chain =
        DefaultChain::from_lookup(lookup(vec![profile_var.clone(), no_metadata()])).expect("chain");
    let provided = chain.provide().await.expect("credentials");
    assert_eq!(chain.source(), Source::Profile);
    assert_eq!(provided.project_id.as_deref(), Some("from-profile"));

    // Then the metadata service.
    let chain = DefaultChain::from_lookup(lookup(vec![(ENV_METADATA_ENDPOINT, mock.base_url())]))
        .expect("chain");
    let provided = chain.provide().await.expect("credentials");
    assert_eq!(chain.source(), Source::Metadata);
    assert!(provided.credentials.security_token().is_some());

    // None: one error says what each lacked.
    let chain = DefaultChain::from_lookup(lookup(vec![
        (
            ENV_CREDENTIALS_FILE,
            dir.path().join("absent").display().to_string(),
        ),
        no_metadata(),
    ]))
    .expect("chain");
    let text = chain.provide().await.expect_err("no source").to_string();
    assert!(
        text.contains("the environment: environment variable HUAWEICLOUD_SDK_AK is not set"),
        "{text}"
    );
    assert!(
        text.contains("the profile file") && text.contains("absent"),
        "{text}"
    );
    assert!(
        text.contains("the ECS metadata service at http://127.0.0.1:9"),
        "{text}"
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_project_id_is_looked_up_for_the_region_once_per_key() {
    let mock = mock(10, IdentityConfig::default(), Duration::ZERO).await;
    let region: Region = "cn-north-4".parse().expect("region");
    let build = || {
        client_with(
            &mock,
            MetadataProvider::at(mock.base_url()).expect("provider"),
        )
        .region(region)
        .endpoint(Endpoint::parse(&mock.base_url()).expect("endpoint"))
        .iam_endpoint(mock.base_url())
    };
    let client = build().load().await.expect("client loads");
    assert_eq!(client.project_id(), hss_mock::DEFAULT_PROJECT_ID);
    let again = build().load().await.expect("client loads");
    assert_eq!(again.project_id(), hss_mock::DEFAULT_PROJECT_ID);
    assert_eq!(
        identity_stats(&mock).await.expect("identity stats")["project_lookups"],
        1
    );

    let elsewhere: Region = "ap-southeast-1".parse().expect("region");
    let error = build()
        .region(elsewhere)
        .load()
        .await
        .expect_err("no project there");
    assert!(
        error
            .to_string()
            .contains("no project is named ap-southeast-1"),
        "{error}"
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn no_secret_shows_in_debug_output() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let profile = dir.path().join("credentials");
    std::fs::write(
        &profile,
        "[basic]\nak = AKSHOWN\nsk = hidden-sk\nsecurity_token = hidden-token\nproject_id = p\n",
    )
    .expect("profile written");
    let chain = DefaultChain::from_lookup(lookup(vec![
        (ENV_CREDENTIALS_FILE, profile.display().to_string()),
        no_metadata(),
    ]))
    .expect("chain");
    let client = HssClient::builder()
        .endpoint(Endpoint::parse("http://127.0.0.1:9").expect("endpoint"))
        .credentials_provider(chain)
        .project_id(hss_mock::DEFAULT_PROJECT_ID)
        .load()
        .await
        .expect("client loads");
    let shown = format!("{client:?}");
    assert!(shown.contains("AKSHOWN"), "{shown}");
    assert!(!shown.contains("hidden"), "{shown}");
}
