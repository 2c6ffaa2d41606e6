//! Recomputes a signed request's signature with `hss_client::signer`, the
//! same signer the client uses, from the request as the mock received it.

use hss_client::signer::{SdkDate, SignableRequest, Signer, decode_query};

use super::auth::RequestParts;

/// The hex signature the request should carry when signed with `sk` over
/// the `signed` headers (lowercase name, value as received) at `date`.
pub fn signature(
    request: &RequestParts<'_>,
    signed: &[(&str, &str)],
    date: &str,
    sk: &str,
) -> Result<String, String> {
    let date = SdkDate::parse(date).map_err(|e| e.to_string())?;
    let query = request.query.map(decode_query).unwrap_or_default();
    let headers: Vec<(String, String)> = signed
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let signable = SignableRequest {
        method: request.method.as_str(),
        path: request.path,
        query: &query,
        headers: &headers,
        body: request.body,
    };
    // The access key is not part of the signature; only the SK is.
    let signature = Signer::new("", sk.to_string()).sign(&signable, &date);
    Ok(signature.signature().to_string())
}

/// A GET request signed the way the official SDK signs it, for tests and
/// benchmarks that talk to the mock without `hss-client`'s hooks.
#[derive(Debug, Clone)]
pub struct SignedGet {
    /// The URL to send, its query in canonical form.
    pub url: String,
    /// Every header to send, `Authorization` included.
    pub headers: Vec<(String, String)>,
}

/// Signs `GET base_url + path ? query` with `ak`/`sk` at `now`, sending
/// `X-Project-Id: project_id`. `base_url` is `http://host:port`.
pub fn sign_get(
    base_url: &str,
    path: &str,
    query: &[(String, String)],
    project_id: &str,
    ak: &str,
    sk: &str,
    now: std::time::SystemTime,
) -> SignedGet {
    let host = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest)
        .trim_end_matches('/');
    let date = SdkDate::from_system_time(now);
    let mut headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("Host".to_string(), host.to_string()),
        ("X-Project-Id".to_string(), project_id.to_string()),
        ("X-Sdk-Date".to_string(), date.as_str().to_string()),
    ];
    let signature = Signer::new(ak, sk.to_string()).sign(
        &SignableRequest {
            method: "GET",
            path,
            query,
            headers: &headers,
            body: b"",
        },
        &date,
    );
    headers.push((
        "Authorization".to_string(),
        signature.authorization().to_string(),
    ));
    let canonical = hss_client::signer::canonical_query(query);
    let url = if canonical.is_empty() {
        format!("{base_url}{path}")
    } else {
        format!("{base_url}{path}?{canonical}")
    };
    SignedGet { url, headers }
}
