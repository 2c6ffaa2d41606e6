//! Recomputes a signed request's signature with `hss_client::signer`, the
//! same signer the client uses, from the request as the mock received it.

use hss_client::signer::{SdkDate, SignableRequest, Signer, decode_query};

use axum::http::{HeaderMap, Method};

/// The parts of a request the checks read.
#[derive(Debug)]
pub struct RequestParts<'a> {
    /// Request method.
    pub method: &'a Method,
    /// The path as received (percent-encoded).
    pub path: &'a str,
    /// The query string as received, without `?`.
    pub query: Option<&'a str>,
    /// All request headers.
    pub headers: &'a HeaderMap,
    /// The request body.
    pub body: &'a [u8],
    /// The `project_id` path parameter, when the path has one.
    pub project_id: Option<&'a str>,
}

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
