//! Credentials the mock accepts, and the checks every request goes through:
//! an IAM token in `X-Auth-Token`, or an SDK-HMAC-SHA256 signature in
//! `Authorization` made with a configured AK/SK pair.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use axum::http::HeaderMap;
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// Temporary keys handed out by a service of the mock, which checks them.
pub trait TemporaryKeys: Send + Sync + fmt::Debug {
    /// The secret key of the temporary access key `access`, or why it is
    /// refused (no security token, expired); `None` when `access` is not
    /// one of these keys.
    fn secret_key(
        &self,
        access: &str,
        security_token: Option<&str>,
        now: SystemTime,
    ) -> Option<Result<String, String>>;
}

/// The AK/SK pairs and IAM tokens the mock accepts. `Debug` shows the
/// access keys only, never a secret key or a token.
#[derive(Clone, Default)]
pub struct Credentials {
    pairs: HashMap<String, String>,
    tokens: Vec<String>,
    /// The temporary keys the identity services hand out.
    temporary: Option<std::sync::Arc<dyn TemporaryKeys>>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut aks: Vec<&String> = self.pairs.keys().collect();
        aks.sort();
        f.debug_struct("Credentials")
            .field("access_keys", &aks)
            .field("secret_keys", &"<redacted>")
            .field("tokens", &format_args!("<{} redacted>", self.tokens.len()))
            .finish()
    }
}

impl Credentials {
    /// No credentials: every request is rejected.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts requests signed with this AK/SK pair.
    pub fn with_key_pair(mut self, ak: impl Into<String>, sk: impl Into<String>) -> Self {
        self.pairs.insert(ak.into(), sk.into());
        self
    }

    /// Accepts requests carrying this IAM token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.tokens.push(token.into());
        self
    }

    /// Accepts the temporary keys `keys` hands out (the identity
    /// services', [`crate::identity`]), each until it expires and with its
    /// security token.
    pub fn with_temporary_keys(mut self, keys: std::sync::Arc<dyn TemporaryKeys>) -> Self {
        self.temporary = Some(keys);
        self
    }

    /// The secret key of `ak`, or why it is refused.
    fn secret_key(
        &self,
        ak: &str,
        security_token: Option<&str>,
        now: SystemTime,
    ) -> Result<String, String> {
        if let Some(sk) = self.pairs.get(ak) {
            return Ok(sk.clone());
        }
        match self
            .temporary
            .as_ref()
            .and_then(|keys| keys.secret_key(ak, security_token, now))
        {
            Some(answer) => answer,
            None => Err(format!("the access key {ak} is unknown")),
        }
    }
}

pub use crate::signing::RequestParts;

/// The parsed `Authorization` header of a signed request.
#[derive(Debug, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// The access key.
    pub access: &'a str,
    /// The signed header names, lowercase, as listed.
    pub signed_headers: Vec<&'a str>,
    /// The hex signature.
    pub signature: &'a str,
}

/// The algorithm name that starts every signed `Authorization` header.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Result<Authorization<'_>, String> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| format!("the Authorization header must start with {ALGORITHM}"))?;
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| format!("the Authorization header has a part without '=': {part:?}"))?;
        match key {
            "Access" => access = Some(value),
            "SignedHeaders" => signed = Some(value),
            "Signature" => signature = Some(value),
            other => {
                return Err(format!(
                    "the Authorization header has an unknown part {other:?}"
                ));
            }
        }
    }
    let missing = |name: &str| format!("the Authorization header has no {name}");
    Ok(Authorization {
        access: access.ok_or_else(|| missing("Access"))?,
        signed_headers: signed
            .ok_or_else(|| missing("SignedHeaders"))?
            .split(';')
            .collect(),
        signature: signature.ok_or_else(|| missing("Signature"))?,
    })
}

/// Parses an `X-Sdk-Date` value (`yyyyMMddTHHmmssZ`, UTC).
pub fn parse_sdk_date(value: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let parsed = time::PrimitiveDateTime::parse(value, format).ok()?;
    let seconds = parsed.assume_utc().unix_timestamp();
    let seconds = u64::try_from(seconds).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// When a request is checked, by the two clocks that judge it.
#[derive(Clone, Copy, Debug)]
pub struct CheckedAt {
    /// The system's clock, which `X-Sdk-Date` is compared with (clients
    /// date their signatures by it).
    pub system: SystemTime,
    /// The identity services' clock, which temporary keys live by
    /// ([`crate::identity`]).
    pub keys: SystemTime,
}

/// Checks a request's credentials at `at`. `max_skew` is how far
/// `X-Sdk-Date` may be from `at.system` either way.
pub fn check(
    credentials: &Credentials,
    request: &RequestParts<'_>,
    at: CheckedAt,
    max_skew: Duration,
) -> Result<(), ApiError> {
    let headers = request.headers;
    let token = headers.get("x-auth-token");
    let authorization = headers.get(axum::http::header::AUTHORIZATION);
    if token.is_none() && authorization.is_none() {
        return Err(ApiError::unauthorized(
            "the request carries no credentials: send an X-Auth-Token header or sign it (Authorization: SDK-HMAC-SHA256 ...)",
        ));
    }
    // Every credential the request carries must be valid: a bad signature
    // is not excused by a good token, nor the other way round.
    if let Some(token) = token {
        let token = token.to_str().unwrap_or("");
        if token.is_empty() || !credentials.tokens.iter().any(|t| t == token) {
            return Err(ApiError::unauthorized(
                "the IAM token in X-Auth-Token is not valid",
            ));
        }
    }
    if let Some(authorization) = authorization {
        let authorization = authorization
            .to_str()
            .map_err(|_| ApiError::unauthorized("the Authorization header is not visible ASCII"))?;
        check_signature(credentials, request, authorization, at, max_skew)?;
    }
    project_matches(request, headers)
}

/// Checks the signature of a signed request: its key is one the mock
/// accepts at `at.keys`, its `X-Sdk-Date` is close to `at.system`, and
/// the signature matches.
fn check_signature(
    credentials: &Credentials,
    request: &RequestParts<'_>,
    authorization: &str,
    at: CheckedAt,
    max_skew: Duration,
) -> Result<(), ApiError> {
    let headers = request.headers;
    let auth = parse_authorization(authorization).map_err(ApiError::unauthorized)?;
    let security_token = headers
        .get("x-security-token")
        .and_then(|v| v.to_str().ok());
    let sk = credentials
        .secret_key(auth.access, security_token, at.keys)
        .map_err(ApiError::unauthorized)?;
    let date = signed_date(headers, at.system, max_skew)?;
    if !auth.signed_headers.contains(&"x-sdk-date") {
        return Err(ApiError::unauthorized(
            "SignedHeaders must include x-sdk-date",
        ));
    }
    let mut signed = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let value = headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::unauthorized(format!(
                    "the signed header {name} is missing from the request"
                ))
            })?;
        signed.push((*name, value));
    }
    let expected = crate::signing::signature(request, &signed, date, &sk)
        .map_err(|e| ApiError::unauthorized(format!("the request cannot be verified: {e}")))?;
    if !bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
        return Err(ApiError::unauthorized(
            "the signature does not match the request; check the secret key and the signed headers",
        ));
    }
    Ok(())
}

/// The request's `X-Sdk-Date`, which must be at most `max_skew` from
/// `now`.
fn signed_date(headers: &HeaderMap, now: SystemTime, max_skew: Duration) -> Result<&str, ApiError> {
    let date = headers
        .get("x-sdk-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthorized("the signed request has no X-Sdk-Date header"))?;
    let signed_at = parse_sdk_date(date).ok_or_else(|| {
        ApiError::unauthorized(format!(
            "X-Sdk-Date {date:?} is not a UTC time of the form yyyyMMddTHHmmssZ"
        ))
    })?;
    let skew = now
        .duration_since(signed_at)
        .or_else(|e| Ok::<_, ()>(e.duration()))
        .unwrap_or_default();
    if skew > max_skew {
        return Err(ApiError::unauthorized(format!(
            "X-Sdk-Date {date} is more than {} s away from the server's clock",
            max_skew.as_secs()
        )));
    }
    Ok(date)
}

/// An `X-Project-Id` header, when sent, must name the project of the path:
/// credentials of one project do not reach another's data.
fn project_matches(request: &RequestParts<'_>, headers: &HeaderMap) -> Result<(), ApiError> {
    if let (Some(path_project), Some(header_project)) = (
        request.project_id,
        headers.get("x-project-id").and_then(|v| v.to_str().ok()),
    ) && path_project != header_project
    {
        return Err(ApiError::forbidden(format!(
            "X-Project-Id {header_project} does not match the project {path_project} in the path"
        )));
    }
    Ok(())
}
