//! Keeping a client's keys current: the key to sign the next request with,
//! fetched again before it expires.
//!
//! As in the official SDKs (Python `huaweicloudsdkcore/auth/credentials.py`,
//! `_need_update_security_token_from_metadata`), a temporary key is fetched
//! again before a request is signed once less than [`REFRESH_BEFORE`]
//! remains before its `expires_at`. A key that lived less than twice that
//! when fetched is fetched again halfway through what it had left instead,
//! so that a short-lived key is not fetched for every request. Unlike the
//! SDKs:
//!
//! - one fetch serves every request waiting for it (a single flight);
//! - a failed fetch keeps the current key while it is valid, and is tried
//!   again after a pause, not for every request;
//! - no request is signed with a key past its `expires_at`: without a
//!   valid key, the request fails with the fetch's error, naming the
//!   source.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use super::credentials::Credentials;
use super::provider::{ProvideCredentials, Provided};
use super::signer::Signer;
use crate::error::Error;
use crate::time::Clock;

/// How long before its `expires_at` a temporary key is fetched again.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(40 * 60);

/// The longest pause after a failed fetch before the next one.
const RETRY_PAUSE: Duration = Duration::from_secs(30);

/// A key to sign with.
pub(crate) struct Signing {
    pub(crate) credentials: Credentials,
    pub(crate) signer: Option<Signer>,
    expires_at: Option<SystemTime>,
    refresh_at: Option<SystemTime>,
}

impl std::fmt::Debug for Signing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signing")
            .field("credentials", &self.credentials)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Signing {
    /// The key `provided` gives, fetched at `now`.
    pub(crate) fn new(provided: Provided, now: SystemTime) -> Self {
        let signer = match &provided.credentials {
            Credentials::AkSk { ak, sk, .. } => Some(Signer::new(ak.clone(), sk.clone())),
            Credentials::IamToken(_) => None,
        };
        let refresh_at = provided.expires_at.map(|expires_at| {
            let left = expires_at.duration_since(now).unwrap_or(Duration::ZERO);
            expires_at - REFRESH_BEFORE.min(left / 2)
        });
        Signing {
            credentials: provided.credentials,
            signer,
            expires_at: provided.expires_at,
            refresh_at,
        }
    }

    /// Whether it should be fetched again.
    fn due(&self, now: SystemTime) -> bool {
        self.refresh_at.is_some_and(|at| now >= at)
    }

    /// Whether it may still sign.
    fn valid(&self, now: SystemTime) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }

    fn access_key(&self) -> &str {
        match &self.credentials {
            Credentials::AkSk { ak, .. } => ak,
            Credentials::IamToken(_) => "(IAM token)",
        }
    }
}

#[derive(Default)]
struct Held {
    current: Option<Arc<Signing>>,
    /// No fetch before this time (the last one failed).
    paused_until: Option<SystemTime>,
}

/// The keys of one client, shared by its clones.
pub(crate) struct Keys {
    provider: Option<Arc<dyn ProvideCredentials>>,
    held: Mutex<Held>,
    /// One fetch at a time.
    flight: tokio::sync::Mutex<()>,
    /// Fetches made, for tests and logs.
    fetches: std::sync::atomic::AtomicU64,
    /// The wall-clock time keys are judged by.
    clock: Clock,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Keys")
            .field("source", &self.provider.as_ref().map(|p| p.describe()))
            .field("current", &held.current)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// No keys: requests go unsigned.
    pub(crate) fn none() -> Self {
        Keys {
            provider: None,
            held: Mutex::new(Held::default()),
            flight: tokio::sync::Mutex::new(()),
            fetches: std::sync::atomic::AtomicU64::new(0),
            clock: Arc::new(SystemTime::now),
        }
    }

    fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// Keys given in code, never fetched again.
    pub(crate) fn fixed(credentials: Credentials) -> Self {
        let keys = Keys::none();
        keys.store(Signing::new(
            Provided::permanent(credentials),
            SystemTime::now(),
        ));
        keys
    }

    /// Keys from `provider`, starting with `first` when it was fetched
    /// already, judged due or expired by `clock` (the system's when
    /// `None`).
    pub(crate) fn from_provider(
        provider: Arc<dyn ProvideCredentials>,
        first: Option<Provided>,
        clock: Option<Clock>,
    ) -> Self {
        let mut keys = Keys::none();
        if let Some(clock) = clock {
            keys.clock = clock;
        }
        keys.provider = Some(provider);
        if let Some(first) = first {
            keys.store(Signing::new(first, keys.now()));
        }
        keys
    }

    fn store(&self, signing: Signing) -> Arc<Signing> {
        let signing = Arc::new(signing);
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.current = Some(signing.clone());
        held.paused_until = None;
        signing
    }

    fn held(&self) -> (Option<Arc<Signing>>, Option<SystemTime>) {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        (held.current.clone(), held.paused_until)
    }

    /// The source, for logs: never a secret.
    pub(crate) fn describe(&self) -> Option<String> {
        self.provider.as_ref().map(|p| p.describe())
    }

    /// How many times the source was asked.
    pub(crate) fn fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The key to sign the next request with (`None`: unsigned), fetched
    /// again first when it is due.
    pub(crate) async fn current(&self) -> Result<Option<Arc<Signing>>, Error> {
        let (current, _) = self.held();
        if let Some(signing) = &current
            && !signing.due(self.now())
        {
            return Ok(current);
        }
        let Some(provider) = &self.provider else {
            return Ok(current);
        };
        let _turn = self.flight.lock().await;
        // Another request may have fetched it while this one waited.
        let now = self.now();
        let (current, paused_until) = self.held();
        if let Some(signing) = &current {
            let paused = paused_until.is_some_and(|until| now < until);
            if !signing.due(now) || (paused && signing.valid(now)) {
                return Ok(current);
            }
        }
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match provider.provide().await {
            Ok(provided) => {
                let signing = self.store(Signing::new(provided, self.now()));
                tracing::debug!(
                    source = %provider.describe(),
                    access_key = signing.access_key(),
                    expires_at = ?signing.expires_at,
                    "credentials fetched"
                );
                Ok(Some(signing))
            }
            Err(error) => match current {
                Some(signing) if signing.valid(now) => {
                    let left = signing
                        .expires_at
                        .and_then(|at| at.duration_since(now).ok())
                        .unwrap_or(RETRY_PAUSE);
                    let pause = RETRY_PAUSE.min(left / 4);
                    self.held
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .paused_until = Some(now + pause);
                    tracing::warn!(
                        error = %error,
                        pause_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                        "cannot fetch credentials again; signing with the current key while it is valid"
                    );
                    Ok(Some(signing))
                }
                _ => Err(error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::future::BoxFuture;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Keys that live `life`, a new one each fetch; fails when `failing`.
    struct Rotating {
        life: Duration,
        fetched: AtomicU64,
        failing: std::sync::atomic::AtomicBool,
        /// The wall clock its keys' expiry is counted on.
        clock: Clock,
    }

    impl std::fmt::Debug for Rotating {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Rotating")
                .field("life", &self.life)
                .finish()
        }
    }

    impl Rotating {
        fn new(life: Duration, clock: Clock) -> Self {
            Rotating {
                life,
                fetched: AtomicU64::new(0),
                failing: false.into(),
                clock,
            }
        }
    }

    impl ProvideCredentials for Rotating {
        fn provide(&self) -> BoxFuture<'_, Result<Provided, Error>> {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                if self.failing.load(Ordering::SeqCst) {
                    return Err(super::super::provider::failed("a test source", "down"));
                }
                let n = self.fetched.fetch_add(1, Ordering::SeqCst);
                let credentials = Credentials::temporary(format!("AK{n}"), "sk", "token").unwrap();
                Ok(Provided::temporary(credentials, (self.clock)() + self.life))
            })
        }
        fn describe(&self) -> String {
            "a test source".into()
        }
        fn source(&self) -> super::super::provider::Source {
            super::super::provider::Source::Code
        }
    }

    /// A wall clock that stands still until the test moves it on.
    fn manual_clock() -> (Clock, Arc<Mutex<SystemTime>>) {
        let now = Arc::new(Mutex::new(SystemTime::now()));
        let read = now.clone();
        (Arc::new(move || *read.lock().unwrap()), now)
    }

    fn ak(signing: &Signing) -> String {
        signing.access_key().to_string()
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_fetch_and_a_fresh_key_is_not_fetched_again() {
        let source = Arc::new(Rotating::new(
            Duration::from_secs(6 * 3600),
            Arc::new(SystemTime::now),
        ));
        let keys = Arc::new(Keys::from_provider(source.clone(), None, None));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let keys = keys.clone();
                tokio::spawn(async move { ak(&keys.current().await.unwrap().unwrap()) })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), "AK0");
        }
        assert_eq!(source.fetched.load(Ordering::SeqCst), 1);
        assert_eq!(ak(&keys.current().await.unwrap().unwrap()), "AK0");
        assert_eq!(keys.fetches(), 1);
    }

    #[tokio::test]
    async fn a_key_close_to_expiry_is_fetched_again_and_an_expired_one_never_signs() {
        let (clock, hand) = manual_clock();
        let advance = |by: Duration| *hand.lock().unwrap() += by;
        let source = Arc::new(Rotating::new(Duration::from_millis(400), clock.clone()));
        let keys = Keys::from_provider(source.clone(), None, Some(clock));
        assert_eq!(ak(&keys.current().await.unwrap().unwrap()), "AK0");
        // Halfway through its life it is due.
        advance(Duration::from_millis(250));
        assert_eq!(ak(&keys.current().await.unwrap().unwrap()), "AK1");
        // A failing source: the current key signs while it is valid...
        source.failing.store(true, Ordering::SeqCst);
        advance(Duration::from_millis(250));
        assert_eq!(ak(&keys.current().await.unwrap().unwrap()), "AK1");
        // ...and not after its expiry.
        advance(Duration::from_millis(300));
        let error = keys.current().await.unwrap_err();
        assert!(error.to_string().contains("a test source"), "{error}");
        source.failing.store(false, Ordering::SeqCst);
        assert_eq!(ak(&keys.current().await.unwrap().unwrap()), "AK2");
    }

    #[test]
    fn long_lived_keys_refresh_forty_minutes_before_expiry() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let credentials = Credentials::temporary("AK", "sk", "token").unwrap();
        let six_hours = Signing::new(
            Provided::temporary(credentials.clone(), now + Duration::from_secs(6 * 3600)),
            now,
        );
        assert_eq!(
            six_hours.refresh_at,
            Some(now + Duration::from_secs(6 * 3600) - REFRESH_BEFORE)
        );
        let permanent = Signing::new(Provided::permanent(credentials), now);
        assert!(!permanent.due(now + Duration::from_secs(1 << 30)));
    }
}
