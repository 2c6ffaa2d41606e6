//! The temporary key the metadata service and IAM answer with:
//! `{"credential": {"access", "secret", "securitytoken", "expires_at"}}`
//! (Python `huaweicloudsdkcore/auth/internal.py`, `_process_credential`),
//! `expires_at` an RFC 3339 UTC time with or without a fraction.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::Provided;
use crate::auth::credentials::{Credentials, Secret};

#[derive(Deserialize)]
struct Answer {
    credential: Key,
}

#[derive(Deserialize)]
struct Key {
    access: String,
    secret: String,
    securitytoken: String,
    expires_at: String,
}

/// The temporary key in `body`, or what is wrong with it (never a secret).
pub(crate) fn parse(body: &[u8]) -> Result<Provided, String> {
    let answer: Answer = serde_json::from_slice(body).map_err(|e| {
        format!(
            "the answer is not a credential object {{\"credential\": {{\"access\", \"secret\", \"securitytoken\", \"expires_at\"}}}}: {}",
            // serde's message may quote a value: keep only where it is.
            e.classify_message(),
        )
    })?;
    let key = answer.credential;
    let expires_at = parse_time(&key.expires_at).ok_or_else(|| {
        format!(
            "expires_at {:?} is not an RFC 3339 UTC time",
            key.expires_at
        )
    })?;
    let credentials = Credentials::temporary(
        key.access,
        Secret::new(key.secret),
        Secret::new(key.securitytoken),
    )
    .map_err(|e| e.to_string())?;
    Ok(Provided::temporary(credentials, expires_at))
}

trait Classify {
    fn classify_message(&self) -> String;
}

impl Classify for serde_json::Error {
    fn classify_message(&self) -> String {
        format!(
            "{:?} error at line {} column {}",
            self.classify(),
            self.line(),
            self.column()
        )
    }
}

/// `2026-12-02T01:20:30Z` or `2026-12-02T01:20:30.123456Z`.
pub(crate) fn parse_time(text: &str) -> Option<SystemTime> {
    let parsed = ::time::OffsetDateTime::parse(
        text.trim(),
        &::time::format_description::well_known::Rfc3339,
    )
    .ok()?;
    let nanos = parsed.unix_timestamp_nanos();
    let nanos = u64::try_from(nanos).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_nanos(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_times_parse_with_or_without_a_fraction() {
        let whole = parse_time("2026-12-02T01:20:30Z").unwrap();
        let fraction = parse_time("2026-12-02T01:20:30.250000Z").unwrap();
        assert_eq!(
            fraction.duration_since(whole).unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            whole
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            1_796_174_430
        );
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn a_credential_object_gives_a_temporary_key_and_errors_show_no_secret() {
        let body = br#"{"credential": {"access": "TMPAK", "secret": "hidden-sk", "securitytoken": "hidden-token", "expires_at": "2026-12-02T01:20:30.000000Z"}}"#;
        let provided = parse(body).unwrap();
        assert_eq!(provided.expires_at, parse_time("2026-12-02T01:20:30Z"));
        assert!(provided.credentials.security_token().is_some());
        let error =
            parse(br#"{"credential": {"access": "A", "secret": "hidden-sk"}}"#).unwrap_err();
        assert!(!error.contains("hidden"), "{error}");
        let error = parse(br#"{"credential": {"access": "A", "secret": "hidden-sk", "securitytoken": "t", "expires_at": "soon"}}"#).unwrap_err();
        assert!(error.contains("expires_at"), "{error}");
    }
}
