//! Credentials: AK/SK, AK/SK with a security token, or an IAM token; from
//! code or from the environment ([`crate::provider`] has every other
//! source, and the default chain of them). Secrets are held in [`Secret`],
//! which never prints its value.

use std::fmt;

use crate::error::Error;

use crate::vars::{
    ENV_AK, ENV_AK_FALLBACK, ENV_SECURITY_TOKEN, ENV_SK, ENV_SK_FALLBACK, empty_variable, required,
};

/// A secret string (SK, token). `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself. Only the signer and the hooks need it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How requests are authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// AK/SK signing (SDK-HMAC-SHA256). With a security token these are
    /// temporary credentials, and the token is sent as `X-Security-Token`.
    AkSk {
        /// Access key id (not secret; it names the key).
        ak: String,
        /// Secret access key.
        sk: Secret,
        /// Security token of temporary credentials.
        security_token: Option<Secret>,
    },
    /// An IAM user token, sent as `X-Auth-Token`; requests are not signed.
    IamToken(Secret),
}

impl Credentials {
    /// Permanent AK/SK credentials.
    pub fn ak_sk(ak: impl Into<String>, sk: impl Into<Secret>) -> Result<Self, Error> {
        Self::build(ak.into(), sk.into(), None)
    }

    /// Temporary AK/SK credentials with their security token.
    pub fn temporary(
        ak: impl Into<String>,
        sk: impl Into<Secret>,
        security_token: impl Into<Secret>,
    ) -> Result<Self, Error> {
        Self::build(ak.into(), sk.into(), Some(security_token.into()))
    }

    /// An IAM token (the `X-Subject-Token` returned by IAM).
    pub fn iam_token(token: impl Into<Secret>) -> Result<Self, Error> {
        let token = token.into();
        if token.is_empty() {
            return Err(Error::Config("the IAM token is empty".into()));
        }
        header_safe(token.expose(), "the IAM token")?;
        Ok(Self::IamToken(token))
    }

    fn build(ak: String, sk: Secret, security_token: Option<Secret>) -> Result<Self, Error> {
        if ak.is_empty() {
            return Err(Error::Config("the access key id (AK) is empty".into()));
        }
        if sk.is_empty() {
            return Err(Error::Config("the secret access key (SK) is empty".into()));
        }
        if security_token.as_ref().is_some_and(Secret::is_empty) {
            return Err(Error::Config("the security token is empty".into()));
        }
        header_safe(&ak, "the access key id (AK)")?;
        if let Some(token) = &security_token {
            header_safe(token.expose(), "the security token")?;
        }
        Ok(Self::AkSk {
            ak,
            sk,
            security_token,
        })
    }

    /// AK/SK credentials from the process environment: `HUAWEICLOUD_SDK_AK`
    /// and `HUAWEICLOUD_SDK_SK` (or `CLOUD_SDK_AK` and `CLOUD_SDK_SK` when
    /// neither of those is set), plus `HUAWEICLOUD_SDK_SECURITY_TOKEN` when
    /// set. AK and SK are read as one pair, never one from each naming. A
    /// missing or empty variable is an error that names it.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Credentials::from_env`], reading variables through `lookup`
    /// (which returns `None` for an unset variable).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let primary = lookup(ENV_AK).is_some() || lookup(ENV_SK).is_some();
        let fallback = lookup(ENV_AK_FALLBACK).is_some() || lookup(ENV_SK_FALLBACK).is_some();
        let (ak_name, sk_name, other) = if primary || !fallback {
            (ENV_AK, ENV_SK, (ENV_AK_FALLBACK, ENV_SK_FALLBACK))
        } else {
            (ENV_AK_FALLBACK, ENV_SK_FALLBACK, (ENV_AK, ENV_SK))
        };
        let pair_note = |name: &str, other_name: &str| {
            if lookup(other_name).is_some() {
                format!(
                    " ({other_name} is set, but AK and SK are read as a pair: set {name} too, or use only the {} names)",
                    other_name.trim_end_matches("_AK").trim_end_matches("_SK")
                )
            } else if !primary && !fallback {
                format!(" (nor {other_name})")
            } else {
                String::new()
            }
        };
        let ak = required(&lookup, ak_name).map_err(|e| append(e, &pair_note(ak_name, other.0)))?;
        let sk = required(&lookup, sk_name).map_err(|e| append(e, &pair_note(sk_name, other.1)))?;
        let token = match lookup(ENV_SECURITY_TOKEN) {
            None => None,
            Some(value) if value.is_empty() => return Err(empty_variable(ENV_SECURITY_TOKEN)),
            Some(value) => Some(Secret::new(value)),
        };
        Self::build(ak, Secret::new(sk), token)
    }

    /// The security token of temporary credentials.
    pub fn security_token(&self) -> Option<&Secret> {
        match self {
            Self::AkSk { security_token, .. } => security_token.as_ref(),
            Self::IamToken(_) => None,
        }
    }
}

/// Checks that a value sent in a header is visible ASCII (or tab); the
/// error names the value's role, never the value.
pub(crate) fn header_safe(value: &str, what: &str) -> Result<(), Error> {
    match value
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_graphic() || *c == ' ' || *c == '\t'))
    {
        None => Ok(()),
        Some((position, _)) => Err(Error::Config(format!(
            "{what} has a character not allowed in an HTTP header at byte {position}"
        ))),
    }
}

/// Adds `note` to a configuration error's message.
fn append(error: Error, note: &str) -> Error {
    match error {
        Error::Config(message) => Error::Config(format!("{message}{note}")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn reads_primary_names_and_token() {
        let c = Credentials::from_lookup(lookup(&[
            (ENV_AK, "AK1"),
            (ENV_SK, "SK1"),
            (ENV_SECURITY_TOKEN, "TOK"),
            (ENV_AK_FALLBACK, "other"),
        ]))
        .unwrap();
        assert_eq!(
            c,
            Credentials::AkSk {
                ak: "AK1".into(),
                sk: "SK1".into(),
                security_token: Some("TOK".into())
            }
        );
    }

    #[test]
    fn falls_back_to_documentation_names() {
        let c = Credentials::from_lookup(lookup(&[
            (ENV_AK_FALLBACK, "AK2"),
            (ENV_SK_FALLBACK, "SK2"),
        ]))
        .unwrap();
        assert_eq!(c, Credentials::ak_sk("AK2", "SK2").unwrap());
    }

    #[test]
    fn missing_or_empty_variables_are_named() {
        let e = Credentials::from_lookup(lookup(&[(ENV_SK, "x")])).unwrap_err();
        assert!(
            e.to_string().contains("HUAWEICLOUD_SDK_AK is not set"),
            "{e}"
        );
        let e = Credentials::from_lookup(lookup(&[(ENV_AK, "a")])).unwrap_err();
        assert!(
            e.to_string().contains("HUAWEICLOUD_SDK_SK is not set"),
            "{e}"
        );
        let e = Credentials::from_lookup(lookup(&[(ENV_AK, ""), (ENV_SK, "x")])).unwrap_err();
        assert!(
            e.to_string()
                .contains("HUAWEICLOUD_SDK_AK is set but empty"),
            "{e}"
        );
        let e = Credentials::from_lookup(lookup(&[(ENV_AK_FALLBACK, ""), (ENV_SK_FALLBACK, "x")]))
            .unwrap_err();
        assert!(
            e.to_string().contains("CLOUD_SDK_AK is set but empty"),
            "{e}"
        );
        let e = Credentials::from_lookup(lookup(&[])).unwrap_err();
        assert!(
            e.to_string()
                .contains("HUAWEICLOUD_SDK_AK is not set (nor CLOUD_SDK_AK)"),
            "{e}"
        );
        let e = Credentials::from_lookup(lookup(&[
            (ENV_AK, "a"),
            (ENV_SK, "b"),
            (ENV_SECURITY_TOKEN, ""),
        ]))
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("HUAWEICLOUD_SDK_SECURITY_TOKEN is set but empty"),
            "{e}"
        );
    }

    #[test]
    fn ak_and_sk_come_from_one_naming() {
        // An AK of one naming never pairs with an SK of the other.
        let e = Credentials::from_lookup(lookup(&[(ENV_AK, "AK1"), (ENV_SK_FALLBACK, "SK2")]))
            .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("HUAWEICLOUD_SDK_SK is not set"), "{text}");
        assert!(text.contains("CLOUD_SDK_SK is set"), "{text}");
        assert!(!text.contains("SK2"), "{text}");
        let e = Credentials::from_lookup(lookup(&[(ENV_AK_FALLBACK, "AK2"), (ENV_SK, "SK1")]))
            .unwrap_err();
        assert!(
            e.to_string().contains("HUAWEICLOUD_SDK_AK is not set"),
            "{e}"
        );
    }

    #[test]
    fn secrets_never_print() {
        let c = Credentials::temporary("AKVISIBLE", "sk-hidden-1", "tok-hidden-2").unwrap();
        let text = format!("{c:?}");
        assert!(text.contains("AKVISIBLE"));
        assert!(!text.contains("hidden"), "{text}");
        let t = Credentials::iam_token("iam-hidden-3").unwrap();
        assert!(!format!("{t:?}").contains("hidden"));
        assert_eq!(Secret::new("x").to_string(), "***");
    }

    #[test]
    fn empty_values_from_code_are_rejected() {
        assert!(Credentials::ak_sk("", "s").is_err());
        assert!(Credentials::ak_sk("a", "").is_err());
        assert!(Credentials::temporary("a", "s", "").is_err());
        assert!(Credentials::iam_token("").is_err());
    }

    #[test]
    fn values_sent_in_headers_must_be_header_safe() {
        let e = Credentials::temporary("a", "s", "tok\nsecret").unwrap_err();
        assert!(e.to_string().contains("security token"), "{e}");
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(Credentials::iam_token("é-token").is_err());
        assert!(Credentials::ak_sk("a k\r", "s").is_err());
        assert!(Credentials::temporary("a", "s", "tok-EXAMPLE/+= x").is_ok());
    }
}
