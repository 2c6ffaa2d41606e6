//! SDK-HMAC-SHA256 request signing, the AK/SK scheme of Huawei Cloud APIs.
//!
//! The signer is public and takes the time as an input, so that anyone can
//! check it against vectors produced by the official SDK. It returns every
//! intermediate value (canonical request, string to sign) next to the
//! `Authorization` header value.
//!
//! The algorithm, as the official SDK implements it:
//!
//! 1. Canonical request: the method, the canonical URI, the canonical query
//!    string, the canonical headers, the signed header names and the hex
//!    SHA-256 of the body, joined by newlines.
//! 2. Only `A-Z a-z 0-9 - _ . ~` stay literal in encoded text; every other
//!    byte of the UTF-8 form becomes `%XX` with uppercase hex.
//! 3. Canonical URI: the path is decoded, split at `/`, each segment encoded,
//!    the segments joined with `/`, and a `/` appended when missing.
//! 4. Canonical query: the decoded pairs sorted by key, then by value (byte
//!    order), each written `key=value` in encoded form and joined with `&`.
//! 5. Canonical headers: each header name lowercased (names holding `_` are
//!    left out), its value trimmed, sorted by name, one `name:value` line
//!    each. The signed headers are the names joined with `;`.
//! 6. String to sign: `SDK-HMAC-SHA256`, the `X-Sdk-Date` value and the hex
//!    SHA-256 of the canonical request, joined by newlines. The signature is
//!    the hex HMAC-SHA256 of it with the SK as the key.
//!
//! ```
//! use hss_client::signer::{SdkDate, SignableRequest, Signer};
//!
//! let signer = Signer::new("AKTESTEXAMPLE0000001", "sk-example");
//! let date = SdkDate::parse("20261122T030000Z")?;
//! let headers = [
//!     ("Host".to_string(), "hss.cn-north-4.myhuaweicloud.com".to_string()),
//!     ("X-Sdk-Date".to_string(), date.to_string()),
//! ];
//! let signature = signer.sign(
//!     &SignableRequest {
//!         method: "GET",
//!         path: "/v5/0123456789abcdef0123456789abcdef/cluster-protect/events",
//!         query: &[("limit".into(), "10".into()), ("offset".into(), "0".into())],
//!         headers: &headers,
//!         body: b"",
//!     },
//!     &date,
//! );
//! assert!(signature.canonical_request().starts_with(
//!     "GET\n/v5/0123456789abcdef0123456789abcdef/cluster-protect/events/\nlimit=10&offset=0\n"
//! ));
//! assert!(signature.authorization().starts_with(
//!     "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000001, SignedHeaders=host;x-sdk-date, Signature="
//! ));
//! # Ok::<(), hss_client::signer::InvalidSdkDate>(())
//! ```

use std::fmt;
use std::time::SystemTime;

use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};
use sha2::{Digest, Sha256};

use super::credentials::Secret;

/// Name of the signing algorithm, the first word of the header value.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// Header that carries the signing time.
pub const DATE_HEADER: &str = "X-Sdk-Date";

/// Header whose value, when present and the body is not empty, replaces the
/// body hash in the canonical request.
pub const CONTENT_SHA256_HEADER: &str = "X-Sdk-Content-Sha256";

/// Hex SHA-256 of an empty body.
const EMPTY_BODY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Bytes that are percent-encoded: all but `A-Z a-z 0-9 - _ . ~`.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes text the way the signer does (space is `%20`).
pub fn encode(text: &[u8]) -> String {
    percent_encode(text, ENCODE).to_string()
}

/// A signing time in the `X-Sdk-Date` form `YYYYMMDDTHHMMSSZ` (UTC).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SdkDate(String);

/// An `X-Sdk-Date` value that does not have the form `YYYYMMDDTHHMMSSZ`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("X-Sdk-Date {value:?} is not of the form YYYYMMDDTHHMMSSZ (for example 20261122T030000Z)")]
pub struct InvalidSdkDate {
    /// The value that was rejected.
    pub value: String,
}

impl SdkDate {
    /// Parses an `X-Sdk-Date` value such as `20261122T030000Z`.
    pub fn parse(value: &str) -> Result<Self, InvalidSdkDate> {
        let bytes = value.as_bytes();
        let shape_ok = bytes.len() == 16
            && bytes[8] == b'T'
            && bytes[15] == b'Z'
            && bytes[..8].iter().all(u8::is_ascii_digit)
            && bytes[9..15].iter().all(u8::is_ascii_digit);
        if shape_ok {
            Ok(Self(value.to_string()))
        } else {
            Err(InvalidSdkDate {
                value: value.to_string(),
            })
        }
    }

    /// The signing time of a clock reading, in UTC. Times before 1970 are
    /// taken as 1970-01-01T00:00:00Z.
    pub fn from_system_time(time: SystemTime) -> Self {
        let seconds = time
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let days = seconds / 86_400;
        let rest = seconds % 86_400;
        let (year, month, day) = civil_from_days(days);
        Self(format!(
            "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
            rest / 3600,
            rest % 3600 / 60,
            rest % 60
        ))
    }

    /// The value as sent in the header.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SdkDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Converts a day count since 1970-01-01 into a (year, month, day) date of
/// the proleptic Gregorian calendar (the era-based method: 400-year cycles
/// of 146,097 days, years starting in March).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// What the signer needs to know about a request.
///
/// `Debug` shows the values of `Authorization`, `X-Auth-Token` and
/// `X-Security-Token` as `***`.
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method, such as `GET`.
    pub method: &'a str,
    /// The path as it appears in the URL (percent-encoded or not).
    pub path: &'a str,
    /// The decoded query pairs, in any order.
    pub query: &'a [(String, String)],
    /// Every header sent with the request, `Host` and `X-Sdk-Date`
    /// included, with their values as sent.
    pub headers: &'a [(String, String)],
    /// The request body (empty for the HSS operations).
    pub body: &'a [u8],
}

/// Headers whose values are secrets.
const SECRET_HEADERS: [&str; 3] = ["authorization", "x-auth-token", "x-security-token"];

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let secret = SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s));
                (name.as_str(), if secret { "***" } else { value.as_str() })
            })
            .collect();
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The result of signing: the header value and every intermediate value.
///
/// `Debug` shows the signed header names only: the canonical request can
/// hold a security token, and the signature grants access.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    canonical_request: String,
    string_to_sign: String,
    signed_headers: String,
    signature: String,
    authorization: String,
}

impl Signature {
    /// The canonical request that was hashed.
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// The string that was signed.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The signed header names, lowercased and joined with `;`.
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }

    /// The hex HMAC-SHA256 signature.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("signed_headers", &self.signed_headers)
            .field("authorization", &"***")
            .finish_non_exhaustive()
    }
}

/// Signs requests with an access key (AK) and secret key (SK).
#[derive(Clone)]
pub struct Signer {
    ak: String,
    sk: Secret,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("ak", &self.ak)
            .field("sk", &self.sk)
            .finish()
    }
}

impl Signer {
    /// A signer for the given access key id and secret key.
    pub fn new(ak: impl Into<String>, sk: impl Into<Secret>) -> Self {
        Self {
            ak: ak.into(),
            sk: sk.into(),
        }
    }

    /// The access key id.
    pub fn ak(&self) -> &str {
        &self.ak
    }

    /// Signs a request at the given time. The request's headers must hold
    /// `Host`; when they lack `X-Sdk-Date`, it is signed with the value of
    /// `date` (as the official SDK does), and the caller must send it. When
    /// they hold it, it must equal `date` (the hooks of this crate set both).
    pub fn sign(&self, request: &SignableRequest<'_>, date: &SdkDate) -> Signature {
        let mut headers = canonical_header_list(request.headers);
        if !headers.iter().any(|(name, _)| name == "x-sdk-date") {
            headers.push(("x-sdk-date".into(), date.as_str().to_string()));
            headers.sort();
        }
        let signed_headers = headers
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let mut canonical_headers = String::new();
        for (name, value) in &headers {
            canonical_headers.push_str(name);
            canonical_headers.push(':');
            canonical_headers.push_str(value);
            canonical_headers.push('\n');
        }
        let body_hash = if request.body.is_empty() {
            EMPTY_BODY_SHA256.to_string()
        } else {
            headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(CONTENT_SHA256_HEADER))
                .map(|(_, value)| value.clone())
                .unwrap_or_else(|| hex::encode(Sha256::digest(request.body)))
        };
        let canonical_request = format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            request.method.to_ascii_uppercase(),
            canonical_uri(request.path),
            canonical_query(request.query),
            canonical_headers,
            signed_headers,
            body_hash
        );
        let string_to_sign = format!(
            "{ALGORITHM}\n{}\n{}",
            date.as_str(),
            hex::encode(Sha256::digest(canonical_request.as_bytes()))
        );
        let signature = hmac_hex(self.sk.expose().as_bytes(), string_to_sign.as_bytes());
        let authorization = format!(
            "{ALGORITHM} Access={}, SignedHeaders={signed_headers}, Signature={signature}",
            self.ak
        );
        Signature {
            canonical_request,
            string_to_sign,
            signed_headers,
            signature,
            authorization,
        }
    }
}

fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    // HMAC accepts keys of any length, so this never takes the fallback.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// The signed headers: lowercased names (without those holding `_`) with
/// trimmed values, sorted by name. Like the official SDK, a name sent twice
/// in different case is listed twice, both times with the later value.
fn canonical_header_list(headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut last_value = std::collections::HashMap::new();
    let mut names = Vec::new();
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        last_value.insert(lower.clone(), value.trim().to_string());
        if !name.contains('_') {
            names.push(lower);
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let value = last_value.get(&name).cloned().unwrap_or_default();
            (name, value)
        })
        .collect()
}

/// The canonical URI of a path: decoded, each segment encoded, ending in `/`.
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).collect::<Vec<u8>>();
    let mut uri = decoded
        .split(|b| *b == b'/')
        .map(encode)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical query string of decoded pairs: sorted by key, then value,
/// encoded, `key=value` joined with `&`. This is also the query string the
/// hooks put in the URL actually sent.
pub fn canonical_query(pairs: &[(String, String)]) -> String {
    let mut sorted = pairs.iter().collect::<Vec<_>>();
    sorted.sort();
    sorted
        .into_iter()
        .map(|(key, value)| format!("{}={}", encode(key.as_bytes()), encode(value.as_bytes())))
        .collect::<Vec<_>>()
        .join("&")
}

pub use crate::spec::check::decode_query;

#[cfg(feature = "test-helpers")]
/// A GET request signed the way the official SDK signs it, for code that
/// sends it with another HTTP client than `hss-client`'s (tests,
/// benchmarks). `Debug` shows the header names and hides the values of
/// `Authorization` and the token headers.
#[derive(Clone)]
pub struct SignedGet {
    /// The URL to send, its query in canonical form.
    pub url: String,
    /// Every header to send, `Authorization` included.
    pub headers: Vec<(String, String)>,
}

#[cfg(feature = "test-helpers")]
impl fmt::Debug for SignedGet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let secret = ["authorization", "x-auth-token", "x-security-token"]
                    .iter()
                    .any(|s| name.eq_ignore_ascii_case(s));
                (
                    name.as_str(),
                    if secret { "<redacted>" } else { value.as_str() },
                )
            })
            .collect();
        f.debug_struct("SignedGet")
            .field("url", &self.url)
            .field("headers", &headers)
            .finish()
    }
}

#[cfg(feature = "test-helpers")]
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
    let canonical = canonical_query(query);
    let url = if canonical.is_empty() {
        format!("{base_url}{path}")
    } else {
        format!("{base_url}{path}?{canonical}")
    };
    SignedGet { url, headers }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_format_in_utc() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_316_400);
        assert_eq!(SdkDate::from_system_time(t).as_str(), "20261122T030000Z");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_825_599);
        assert_eq!(SdkDate::from_system_time(leap).as_str(), "20000229T115959Z");
        assert_eq!(
            SdkDate::from_system_time(SystemTime::UNIX_EPOCH).as_str(),
            "19700101T000000Z"
        );
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for bad in [
            "",
            "20261122T030000",
            "2026-11-22T03:00:00Z",
            "20261122X030000Z",
        ] {
            let error = SdkDate::parse(bad).unwrap_err();
            assert!(error.to_string().contains("YYYYMMDDTHHMMSSZ"));
        }
        assert!(SdkDate::parse("20261122T030000Z").is_ok());
    }

    #[test]
    fn encoding_keeps_only_unreserved_characters() {
        assert_eq!(encode(b"aZ09-_.~"), "aZ09-_.~");
        assert_eq!(encode("a b+c/é*".as_bytes()), "a%20b%2Bc%2F%C3%A9%2A");
    }

    #[test]
    fn a_missing_date_header_is_signed_with_the_given_date() {
        let signer = Signer::new("AK", "SK");
        let date = SdkDate::parse("20261122T030000Z").unwrap();
        let sign = |headers: &[(String, String)]| {
            signer.sign(
                &SignableRequest {
                    method: "GET",
                    path: "/v5",
                    query: &[],
                    headers,
                    body: b"",
                },
                &date,
            )
        };
        let implicit = sign(&[("Host".into(), "h".into())]);
        let explicit = sign(&[
            ("Host".into(), "h".into()),
            ("X-Sdk-Date".into(), "20261122T030000Z".into()),
        ]);
        assert_eq!(implicit, explicit);
        assert_eq!(implicit.signed_headers(), "host;x-sdk-date");
        assert!(implicit.canonical_request().ends_with(
            "host:h\nx-sdk-date:20261122T030000Z\n\nhost;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ));
        assert_eq!(
            implicit.string_to_sign().lines().collect::<Vec<_>>()[..2],
            ["SDK-HMAC-SHA256", "20261122T030000Z"]
        );
    }

    #[test]
    fn headers_sent_twice_in_different_case_are_listed_twice() {
        let signature = Signer::new("AK", "SK").sign(
            &SignableRequest {
                method: "GET",
                path: "/",
                query: &[],
                headers: &[
                    ("X-A".into(), " 1 ".into()),
                    ("Host".into(), "h".into()),
                    ("x-a".into(), "2".into()),
                    ("X_Skipped".into(), "3".into()),
                ],
                body: b"",
            },
            &SdkDate::parse("20261122T030000Z").unwrap(),
        );
        assert_eq!(signature.signed_headers(), "host;x-a;x-a;x-sdk-date");
        assert!(
            signature
                .canonical_request()
                .contains("\nhost:h\nx-a:2\nx-a:2\nx-sdk-date:20261122T030000Z\n\n"),
            "{}",
            signature.canonical_request()
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let signer = Signer::new("AK1", "very-secret-sk");
        let text = format!("{signer:?}");
        assert!(!text.contains("very-secret-sk"), "{text}");
        let signature = signer.sign(
            &SignableRequest {
                method: "GET",
                path: "/",
                query: &[],
                headers: &[("X-Security-Token".into(), "tok-secret".into())],
                body: b"",
            },
            &SdkDate::from_system_time(SystemTime::UNIX_EPOCH),
        );
        let text = format!("{signature:?}");
        assert!(!text.contains("tok-secret"), "{text}");
        let request = SignableRequest {
            method: "GET",
            path: "/",
            query: &[],
            headers: &[
                ("X-Security-Token".into(), "tok-secret".into()),
                (
                    "authorization".into(),
                    "SDK-HMAC-SHA256 Access=AK1, Signature=abc".into(),
                ),
                ("X-Auth-Token".into(), "iam-secret".into()),
                ("Host".into(), "h".into()),
            ],
            body: b"",
        };
        let text = format!("{request:?}");
        for secret in ["tok-secret", "Signature=abc", "iam-secret"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("\"Host\", \"h\""), "{text}");
        assert!(!text.contains(signature.signature()), "{text}");
    }
}
