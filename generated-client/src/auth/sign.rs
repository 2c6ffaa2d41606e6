//! Signing one request as the official SDK does: the headers every
//! attempt carries and, by credentials, its `X-Sdk-Date`,
//! `X-Security-Token` and `Authorization` (AK/SK, by [`super::signer`]) or
//! its `X-Auth-Token` (IAM token). The pipeline's sign phase and the
//! project lookup at IAM both sign through [`sign_with`].

use std::time::SystemTime;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::cache::Signing;
use super::credentials::Credentials;
use super::signer::{SdkDate, SignableRequest, canonical_query};
use crate::http::USER_AGENT;
use crate::spec::check::decode_query;

/// Sets the headers of one attempt and signs it: drops progenitor's
/// `api-version` header (the official SDK does not send it); sets `Host`
/// (with the port when it is not the scheme's default), `Content-Type:
/// application/json` and `User-Agent` as the SDK does, `X-Project-Id` when
/// `project_id` is given, and the key's headers and signature dated `now`.
/// The URL's query is already the canonical query string
/// ([`canonicalize_query`]), so the URL sent is exactly the one signed.
pub(crate) fn sign_with(
    signing: Option<&Signing>,
    project_id: Option<&str>,
    now: SystemTime,
    request: &mut reqwest::Request,
) {
    set_common_headers(project_id, request);
    let Some(signing) = signing else {
        return;
    };
    match &signing.credentials {
        Credentials::IamToken(token) => {
            insert_secret(request.headers_mut(), "x-auth-token", token.expose());
        }
        Credentials::AkSk { security_token, .. } => {
            let date = SdkDate::from_system_time(now);
            let headers = request.headers_mut();
            if let Ok(value) = HeaderValue::from_str(date.as_str()) {
                headers.insert(HeaderName::from_static("x-sdk-date"), value);
            }
            if let Some(token) = security_token {
                insert_secret(headers, "x-security-token", token.expose());
            }
            if let Some(signer) = &signing.signer {
                let authorization = authorization(signer, &date, request);
                insert_secret(request.headers_mut(), "authorization", &authorization);
            }
        }
    }
}

/// The headers every request carries, whoever signs it.
fn set_common_headers(project_id: Option<&str>, request: &mut reqwest::Request) {
    let host = request
        .url()
        .host_str()
        .map(|host| match request.url().port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        });
    let headers = request.headers_mut();
    headers.remove("api-version");
    if let Some(value) = host.and_then(|h| HeaderValue::from_str(&h).ok()) {
        headers.insert(reqwest::header::HOST, value);
    }
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        reqwest::header::USER_AGENT,
        HeaderValue::from_static(USER_AGENT),
    );
    if let Some(value) = project_id.and_then(|p| HeaderValue::from_str(p).ok()) {
        headers.insert(HeaderName::from_static("x-project-id"), value);
    }
}

/// The `Authorization` value of `request` as it stands, dated `date`.
fn authorization(
    signer: &super::signer::Signer,
    date: &SdkDate,
    request: &reqwest::Request,
) -> String {
    let header_list: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let query = decode_query(request.url().query().unwrap_or(""));
    signer
        .sign(
            &SignableRequest {
                method: request.method().as_str(),
                path: request.url().path(),
                query: &query,
                headers: &header_list,
                body: request
                    .body()
                    .and_then(reqwest::Body::as_bytes)
                    .unwrap_or_default(),
            },
            date,
        )
        .authorization()
        .to_string()
}

fn insert_secret(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(mut value) = HeaderValue::from_str(value) {
        value.set_sensitive(true);
        headers.insert(HeaderName::from_static(name), value);
    }
}

/// Rewrites a URL's query to the canonical query string.
pub(crate) fn canonicalize_query(url: &mut reqwest::Url) {
    let pairs = decode_query(url.query().unwrap_or(""));
    let canonical = canonical_query(&pairs);
    url.set_query((!canonical.is_empty()).then_some(canonical.as_str()));
}
