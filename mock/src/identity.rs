//! The other side of the credential chain, for tests: an ECS metadata
//! service, IAM's OIDC federation and project list, and the temporary keys
//! they hand out.
//!
//! Temporary key `n` is issued `n` rotations after the mock starts and
//! lives two rotations (its lifetime is [`IdentityConfig::key_lifetime`],
//! a rotation half of it), so that the key served always has at least a
//! rotation left, as metadata services hand out the next key before the
//! last one expires. A request signed with a temporary key is accepted from
//! its issue until its `expires_at`, and only with its `X-Security-Token`.
//!
//! Keys are issued and judged by the identity services' clock: the mock's
//! ([`crate::clock`]) unless [`IdentityConfig::clock`] gives them one of
//! their own. A test that gives them a manual clock decides when a key
//! expires, however long the machine takes between two requests.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::clock::Clock;

/// Prefix of the temporary access keys.
pub const TEMPORARY_AK_PREFIX: &str = "MOCKTEMP";

/// How the identity services behave.
#[derive(Clone, Debug)]
pub struct IdentityConfig {
    /// How long a temporary key lives; a new one is issued every half of
    /// it.
    pub key_lifetime: Duration,
    /// Whether the metadata service gives session tokens (`PUT` of the
    /// token path); without, it answers that `PUT` 404 and serves keys
    /// without one.
    pub session_tokens: bool,
    /// The identity provider federation accepts.
    pub idp_id: String,
    /// The OIDC id token federation accepts.
    pub id_token: String,
    /// The region whose one project `/v3/projects?name=` finds.
    pub region: String,
    /// The clock keys are issued and judged by, when it is not the mock's
    /// ([`crate::MockConfig::clock`]); a stepped one moves on with each
    /// API request as the mock's does.
    pub clock: Option<Clock>,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            key_lifetime: Duration::from_secs(6 * 3600),
            session_tokens: true,
            idp_id: "mock-idp".into(),
            id_token: "mock-id-token".into(),
            region: "cn-north-4".into(),
            clock: None,
        }
    }
}

impl IdentityConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), String> {
        if self.key_lifetime < Duration::from_millis(200) {
            return Err(format!(
                "the temporary keys' lifetime must be at least 0.2 s, got {:?}",
                self.key_lifetime
            ));
        }
        Ok(())
    }
}

/// One temporary key.
#[derive(Clone, Debug)]
pub struct TemporaryKey {
    /// Access key.
    pub access: String,
    /// Secret key.
    pub secret: String,
    /// Security token.
    pub security_token: String,
    /// When it was issued.
    pub issued: SystemTime,
    /// When it expires.
    pub expires_at: SystemTime,
}

/// Counts of what the identity services were asked.
#[derive(Debug, Default)]
struct Asked {
    session_tokens: AtomicU64,
    security_keys: AtomicU64,
    id_token_exchanges: AtomicU64,
    security_token_exchanges: AtomicU64,
    project_lookups: AtomicU64,
}

/// The identity services' state.
#[derive(Debug)]
pub struct Identity {
    config: IdentityConfig,
    clock: Clock,
    started: SystemTime,
    instance: u64,
    sessions: Mutex<HashSet<String>>,
    subjects: Mutex<HashSet<String>>,
    asked: Asked,
}

impl Identity {
    /// The services, their first key issued now by their clock: the one
    /// `config` gives, else `clock` (the mock's).
    pub fn new(config: &IdentityConfig, instance: u64, clock: &Clock) -> Self {
        let clock = config.clock.clone().unwrap_or_else(|| clock.clone());
        Identity {
            started: clock.now(),
            clock,
            config: config.clone(),
            instance,
            sessions: Mutex::new(HashSet::new()),
            subjects: Mutex::new(HashSet::new()),
            asked: Asked::default(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &IdentityConfig {
        &self.config
    }

    /// The time by the services' clock.
    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// An API request arrived: a stepped clock of the services' own moves
    /// on (the mock's clock steps itself).
    pub(crate) fn request_arrived(&self) {
        if self.config.clock.is_some() {
            self.clock.request_arrived();
        }
    }

    fn rotation(&self) -> Duration {
        self.config.key_lifetime / 2
    }

    /// Key number `n`.
    pub fn key(&self, n: u64) -> TemporaryKey {
        let issued = self.started + self.rotation() * u32::try_from(n).unwrap_or(u32::MAX);
        TemporaryKey {
            access: format!("{TEMPORARY_AK_PREFIX}{n:012}"),
            secret: format!("mock-temporary-secret-{:x}-{n}", self.instance),
            security_token: format!("mock-security-token-{:x}-{n}", self.instance),
            issued,
            expires_at: issued + self.config.key_lifetime,
        }
    }

    /// The key served at `now`.
    pub fn current(&self, now: SystemTime) -> TemporaryKey {
        let since = now.duration_since(self.started).unwrap_or(Duration::ZERO);
        let n = since.as_nanos() / self.rotation().as_nanos().max(1);
        self.key(u64::try_from(n).unwrap_or(u64::MAX))
    }

    /// The credential object of the key served at `now`.
    pub fn credential(&self, now: SystemTime) -> serde_json::Value {
        let key = self.current(now);
        serde_json::json!({"credential": {
            "access": key.access,
            "secret": key.secret,
            "securitytoken": key.security_token,
            "expires_at": rfc3339(key.expires_at),
        }})
    }

    /// A new metadata session token.
    pub fn new_session(&self) -> Option<String> {
        if !self.config.session_tokens {
            return None;
        }
        let n = self.asked.session_tokens.fetch_add(1, Ordering::Relaxed);
        let token = format!("mock-session-{:x}-{n}", self.instance);
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(token.clone());
        Some(token)
    }

    /// Whether a metadata request with `token` may have a key.
    pub fn session_valid(&self, token: Option<&str>) -> bool {
        if !self.config.session_tokens {
            return true;
        }
        token.is_some_and(|token| {
            self.sessions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .contains(token)
        })
    }

    /// Forgets every session token given so far, as a metadata service
    /// does when they expire: the next request with one is answered 401.
    pub fn forget_sessions(&self) {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Counts a key served by the metadata service.
    pub fn served_key(&self) {
        self.asked.security_keys.fetch_add(1, Ordering::Relaxed);
    }

    /// A subject token for an accepted id token, or why not.
    pub fn exchange_id_token(
        &self,
        idp_id: Option<&str>,
        id_token: &str,
    ) -> Result<String, String> {
        self.asked
            .id_token_exchanges
            .fetch_add(1, Ordering::Relaxed);
        if idp_id != Some(self.config.idp_id.as_str()) {
            return Err(format!("the identity provider {idp_id:?} is unknown"));
        }
        if id_token != self.config.id_token {
            return Err("the id token is not valid".into());
        }
        let n = self.asked.id_token_exchanges.load(Ordering::Relaxed);
        let subject = format!("mock-subject-{:x}-{n}", self.instance);
        self.subjects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(subject.clone());
        Ok(subject)
    }

    /// Whether a subject token was given out.
    pub fn subject_valid(&self, subject: &str) -> bool {
        self.asked
            .security_token_exchanges
            .fetch_add(1, Ordering::Relaxed);
        self.subjects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(subject)
    }

    /// Counts a project lookup.
    pub fn looked_up(&self) {
        self.asked.project_lookups.fetch_add(1, Ordering::Relaxed);
    }

    /// What the services were asked, for `/_mock/identity`
    /// ([`crate::IDENTITY_PATH`]).
    pub fn stats(&self) -> serde_json::Value {
        let n = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        serde_json::json!({
            "session_tokens": n(&self.asked.session_tokens),
            "security_keys": n(&self.asked.security_keys),
            "id_token_exchanges": n(&self.asked.id_token_exchanges),
            "security_token_exchanges": n(&self.asked.security_token_exchanges),
            "project_lookups": n(&self.asked.project_lookups),
        })
    }
}

/// `2026-12-02T01:20:30.123456Z`.
pub fn rfc3339(at: SystemTime) -> String {
    let since = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let nanos = i128::try_from(since.as_nanos()).unwrap_or(0);
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::TemporaryKeys;

    #[test]
    fn keys_rotate_each_half_life_and_hold_until_they_expire() {
        let identity = Identity::new(
            &IdentityConfig {
                key_lifetime: Duration::from_secs(20),
                ..IdentityConfig::default()
            },
            7,
            &Clock::System,
        );
        let start = identity.started;
        let first = identity.current(start + Duration::from_secs(3));
        let second = identity.current(start + Duration::from_secs(11));
        assert_ne!(first.access, second.access);
        let token = Some(first.security_token.as_str());
        let later = start + Duration::from_secs(19);
        assert_eq!(
            identity.secret_key(&first.access, token, later),
            Some(Ok(first.secret.clone()))
        );
        let expired = identity.secret_key(&first.access, token, start + Duration::from_secs(20));
        assert!(matches!(expired, Some(Err(e)) if e.contains("expired")));
        let tokenless = identity.secret_key(&first.access, None, later);
        assert!(matches!(tokenless, Some(Err(e)) if e.contains("X-Security-Token")));
        assert_eq!(
            identity.secret_key("MOCKACCESSKEY0000001", None, later),
            None
        );
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH + Duration::from_millis(1500)),
            "1970-01-01T00:00:01.500000Z"
        );
    }
}

impl crate::auth::TemporaryKeys for Identity {
    /// The secret key of temporary key `access`, when `security_token` is
    /// its token and it is valid at `now`; else why not.
    fn secret_key(
        &self,
        access: &str,
        security_token: Option<&str>,
        now: SystemTime,
    ) -> Option<Result<String, String>> {
        let n: u64 = access.strip_prefix(TEMPORARY_AK_PREFIX)?.parse().ok()?;
        let key = self.key(n);
        if key.access != access {
            return None;
        }
        Some(if security_token != Some(key.security_token.as_str()) {
            Err(format!(
                "the temporary access key {access} needs its X-Security-Token"
            ))
        } else if now >= key.expires_at {
            Err(format!(
                "the temporary access key {access} expired at {}",
                rfc3339(key.expires_at)
            ))
        } else if now < key.issued {
            Err(format!(
                "the temporary access key {access} is not issued yet"
            ))
        } else {
            Ok(key.secret)
        })
    }
}

/// The identity services' routes: the metadata service's two paths, IAM's
/// two federation exchanges and its project list. They are not API
/// requests: no fault, throttling or count of answers applies to them.
pub(crate) fn router(shared: std::sync::Arc<crate::Shared>) -> axum::Router {
    use axum::routing::{get, post, put};
    use hss_client::provider::{federation, metadata, project};
    axum::Router::new()
        .route(metadata::TOKEN_PATH, put(routes::session_token))
        .route(metadata::SECURITY_KEY_PATH, get(routes::security_key))
        .route(federation::ID_TOKEN_PATH, post(routes::id_token))
        .route(
            federation::SECURITY_TOKENS_PATH,
            post(routes::security_tokens),
        )
        .route(project::PROJECTS_PATH, get(routes::projects))
        .with_state(shared)
}

mod routes {
    use std::sync::Arc;
    use std::time::SystemTime;

    use axum::Json;
    use axum::body::Bytes;
    use axum::extract::{RawQuery, State};
    use axum::http::{HeaderMap, Method, StatusCode};
    use axum::response::{IntoResponse, Response};

    use crate::Shared;
    use crate::error::ApiError;

    fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
        headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(super) async fn session_token(State(shared): State<Arc<Shared>>) -> Response {
        match shared.identity.new_session() {
            Some(token) => token.into_response(),
            None => (StatusCode::NOT_FOUND, "no session tokens here").into_response(),
        }
    }

    pub(super) async fn security_key(
        State(shared): State<Arc<Shared>>,
        headers: HeaderMap,
    ) -> Response {
        if !shared
            .identity
            .session_valid(header(&headers, "x-metadata-token"))
        {
            return (
                StatusCode::UNAUTHORIZED,
                "the metadata session token is missing or not valid",
            )
                .into_response();
        }
        shared.identity.served_key();
        Json(shared.identity.credential(shared.identity.now())).into_response()
    }

    pub(super) async fn id_token(
        State(shared): State<Arc<Shared>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let id_token = body["auth"]["id_token"]["id"].as_str().unwrap_or("");
        match shared
            .identity
            .exchange_id_token(header(&headers, "x-idp-id"), id_token)
        {
            Ok(subject) => (
                StatusCode::CREATED,
                [("x-subject-token", subject)],
                Json(serde_json::json!({"token": {"methods": ["mapped"]}})),
            )
                .into_response(),
            Err(message) => ApiError::unauthorized(message).into_response(),
        }
    }

    pub(super) async fn security_tokens(
        State(shared): State<Arc<Shared>>,
        body: Bytes,
    ) -> Response {
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let subject = body["auth"]["identity"]["token"]["id"]
            .as_str()
            .unwrap_or("");
        if !shared.identity.subject_valid(subject) {
            return ApiError::unauthorized("the token is not valid").into_response();
        }
        (
            StatusCode::CREATED,
            Json(shared.identity.credential(shared.identity.now())),
        )
            .into_response()
    }

    pub(super) async fn projects(
        State(shared): State<Arc<Shared>>,
        method: Method,
        uri: axum::http::Uri,
        RawQuery(query): RawQuery,
        headers: HeaderMap,
    ) -> Response {
        let parts = crate::signing::RequestParts {
            method: &method,
            path: uri.path(),
            query: query.as_deref(),
            headers: &headers,
            body: &[],
            project_id: None,
        };
        let at = crate::auth::CheckedAt {
            system: SystemTime::now(),
            keys: shared.identity.now(),
        };
        if let Err(error) =
            crate::auth::check(&shared.credentials, &parts, at, shared.max_clock_skew)
        {
            return error.into_response();
        }
        shared.identity.looked_up();
        let name = form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
            .find(|(k, _)| k == "name")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let projects = if name == shared.identity.config().region {
            vec![serde_json::json!({"id": shared.project_id, "name": name})]
        } else {
            Vec::new()
        };
        Json(serde_json::json!({"projects": projects})).into_response()
    }
}
