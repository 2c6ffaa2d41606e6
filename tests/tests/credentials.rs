//! The credential chain against hss-mock's identity services: temporary
//! keys from the metadata service and from OIDC federation, rotating while
//! streams run; the chain's order and precedence; the project lookup.
//!
//! Keys expire by the identity services' clock, a manual one the tests
//! share with the client and move on themselves (or that steps with each
//! API request), never by real sub-second windows: a machine that stalls
//! for a second expires no key early.

use std::sync::Arc;
use std::time::Duration;

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
use hss_mock::{
    Clock as MockClock, Credentials as MockCredentials, LiveConfig, MockConfig, RunningMock, start,
};
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

/// Keys that live `lifetime` by `clock`.
fn rotating(lifetime: Duration, clock: &MockClock) -> IdentityConfig {
    IdentityConfig {
        key_lifetime: lifetime,
        clock: Some(clock.clone()),
        ..IdentityConfig::default()
    }
}

/// `clock` as the client reads it: the client judges its keys by the
/// same time as the mock.
fn shared(clock: &MockClock) -> hss_client::Clock {
    let clock = clock.clone();
    Arc::new(move || clock.now())
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
/// service, on `clock` when given.
async fn metadata_client(mock: &RunningMock, clock: Option<&MockClock>) -> HssClient {
    let builder = client_with(
        mock,
        MetadataProvider::at(mock.base_url()).expect("provider"),
    )
    .project_id(hss_mock::DEFAULT_PROJECT_ID);
    match clock {
        Some(clock) => builder.clock(shared(clock)),
        None => builder,
    }
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
    // Keys live 2 s of a clock that steps 10 ms a request: a key is due
    // with at least half a second, 50 requests, left, so that a request
    // signed just before cannot arrive after it expired, however long the
    // machine stalls.
    let lifetime = Duration::from_millis(2_000);
    let (clock, hand) = MockClock::stepped(Duration::from_millis(10));
    let operation = paged();
    let mock = mock(800, rotating(lifetime, &clock), Duration::from_millis(40)).await;
    let client = metadata_client(&mock, Some(&clock)).await;
    let query = query(&mock, operation);
    let expected = usize::try_from(mock.records(operation).expect("records").len()).expect("fits");
    let tasks: Vec<_> = (0..8)
        .map(|_| tokio::spawn(read_all(client.clone(), query.clone(), 10)))
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("stream runs"), expected);
    }
    // From the first key on: every key fetched falls in the span.
    let elapsed = hand.elapsed();
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
    // The documented limit, its window scaled to 400 ms, on the system's
    // clock as the client's budget is; keys that live 2 s of a clock that
    // steps 50 ms a request, so that the streams' 40-odd requests span
    // two rotations and a key is due with ten requests left.
    let mut config = mock_config(
        1_000,
        Some(scale(operation, WINDOW)),
        LiveConfig::default(),
        Duration::ZERO,
    );
    let (clock, _hand) = MockClock::stepped(Duration::from_millis(50));
    config.identity = rotating(Duration::from_millis(2_000), &clock);
    let mock = start(config).await.expect("mock starts");
    let client = client_with(
        &mock,
        MetadataProvider::at(mock.base_url()).expect("provider"),
    )
    .project_id(hss_mock::DEFAULT_PROJECT_ID)
    .clock(shared(&clock))
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
    let client = metadata_client(&mock, None).await;
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
    // Keys that live 600 ms of a clock that moves only when the test
    // moves it.
    let lifetime = Duration::from_millis(600);
    let (clock, hand) = MockClock::manual();
    let mock = mock(50, rotating(lifetime, &clock), Duration::ZERO).await;
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
        .clock(shared(&clock))
        .load()
        .await
        .expect("client loads");
    let operation = paged();
    assert_eq!(
        read_all(client.clone(), query(&mock, operation), 50).await,
        50
    );
    // The clock stood still: the first key signed every page.
    let before = identity_stats(&mock).await.expect("identity stats")["id_token_exchanges"]
        .as_u64()
        .expect("counted");
    assert_eq!(before, 1, "the first key came from an exchange");
    // The token the platform writes next is read at the next fetch.
    std::fs::write(&token_file, "a-token-the-mock-refuses").expect("token written");
    hand.advance(lifetime + Duration::from_millis(100));
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

#[tokio::test(flavor = "multi_thread")]
async fn a_temporary_key_expires_by_the_identity_clock_not_by_the_machines() {
    // Keys that live 600 ms of a clock that moves only when the test moves
    // it, signing for a client that never fetches again.
    let lifetime = Duration::from_millis(600);
    let (clock, hand) = MockClock::manual();
    let mock = mock(20, rotating(lifetime, &clock), Duration::ZERO).await;
    let provider = MetadataProvider::at(mock.base_url()).expect("provider");
    let key = provider.provide().await.expect("a key").credentials;
    let client = HssClient::builder()
        .endpoint(Endpoint::parse(&mock.base_url()).expect("endpoint"))
        .credentials(key.clone())
        .project_id(hss_mock::DEFAULT_PROJECT_ID)
        .budget(Budget::Off)
        .build()
        .expect("client builds");
    let operation = paged();
    // Longer than the key lives, by the machine's clock.
    tokio::time::sleep(lifetime + Duration::from_millis(200)).await;
    query(&mock, operation)
        .call(&client)
        .await
        .expect("the key lives until the identity clock says it expired");
    // Half a life on, the metadata service hands out the next key; the
    // first one still signs.
    hand.advance(lifetime / 2);
    let next = provider.provide().await.expect("a key").credentials;
    assert_ne!(next, key, "a new key every half of a key's life");
    query(&mock, operation)
        .call(&client)
        .await
        .expect("a key is accepted until it expires");
    // A whole life on, it has expired.
    hand.advance(lifetime / 2);
    let error = query(&mock, operation)
        .call(&client)
        .await
        .expect_err("the expired key is refused");
    let text = error.to_string();
    assert!(text.contains("401") && text.contains("expired"), "{text}");
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
