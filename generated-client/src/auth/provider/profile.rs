//! Credentials from a profile file, as the official SDKs read it (Python
//! `huaweicloudsdkcore/auth/provider.py`, `ProfileCredentialProvider`):
//! `$HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials`,
//! an INI file whose section `[basic]` holds `ak`, `sk`, `security_token`,
//! `project_id`, `iam_endpoint`, `idp_id` and `id_token_file`. As in the
//! environment, `idp_id` with `id_token_file` (OIDC federation) wins over
//! `ak` with `sk`.
//!
//! ```ini
//! [basic]
//! ak = ...
//! sk = ...
//! project_id = ...
//! ```
//!
//! The file is read again on every fetch.

use std::path::{Path, PathBuf};

use futures::future::BoxFuture;

use super::{
    DEFAULT_IAM_ENDPOINT, FederationProvider, ProvideCredentials, Provided, Source, named,
};
use crate::auth::credentials::{Credentials, Secret};
use crate::error::Error;
use crate::vars::{ENV_CREDENTIALS_FILE, ENV_IAM_ENDPOINT};

/// The section the SDKs read for regional services' credentials.
pub const SECTION: &str = "basic";

/// The profile file's credentials.
#[derive(Debug)]
pub struct ProfileProvider {
    path: Option<PathBuf>,
    /// `HUAWEICLOUD_SDK_IAM_ENDPOINT`, when the file names none.
    iam_endpoint: Option<String>,
}

impl ProfileProvider {
    /// The file the process environment names, else the default one.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The file `lookup` names (`HUAWEICLOUD_SDK_CREDENTIALS_FILE`), else
    /// `credentials` in `.huaweicloud` under `HOME` (`USERPROFILE` on
    /// Windows).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let lookup = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let path = lookup(ENV_CREDENTIALS_FILE).map(PathBuf::from).or_else(|| {
            lookup("HOME")
                .or_else(|| lookup("USERPROFILE"))
                .map(|home| Path::new(&home).join(".huaweicloud").join("credentials"))
        });
        ProfileProvider {
            path,
            iam_endpoint: lookup(ENV_IAM_ENDPOINT),
        }
    }

    /// Reads the file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        ProfileProvider {
            path: Some(path.into()),
            iam_endpoint: None,
        }
    }

    async fn read(&self) -> Result<Provided, String> {
        let Some(path) = &self.path else {
            return Err(format!(
                "{ENV_CREDENTIALS_FILE} is not set and there is no home directory (HOME)"
            ));
        };
        let shown = path.display();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        // The INI reader takes a header without its `]` to run on to the
        // next `]`, however many lines later: tell that line here.
        if let Some(n) = text.lines().position(|line| {
            let line = line.trim();
            line.starts_with('[') && !line.ends_with(']')
        }) {
            return Err(format!(
                "{shown}: line {}: not an INI file: a section header must end with ]",
                n + 1
            ));
        }
        let parsed = ini::Ini::load_from_str(&text)
            .map_err(|e| format!("{shown}: line {}: not an INI file: {}", e.line, e.msg))?;
        let section_line = text
            .lines()
            .position(|line| line.trim() == format!("[{SECTION}]"))
            .map_or(0, |n| n + 1);
        let Some(section) = parsed.section(Some(SECTION)) else {
            return Err(format!("{shown} has no section [{SECTION}]"));
        };
        let get = |key: &str| section.get(key).map(str::trim).filter(|v| !v.is_empty());
        let at = format!("{shown}: line {section_line}: section [{SECTION}]");
        let iam = get("iam_endpoint")
            .map(str::to_string)
            .or_else(|| self.iam_endpoint.clone());
        let mut provided = match (get("idp_id"), get("id_token_file")) {
            (Some(idp_id), Some(file)) => {
                let federation = FederationProvider::new(
                    iam.clone().unwrap_or_else(|| DEFAULT_IAM_ENDPOINT.into()),
                    idp_id,
                    file,
                    Source::Profile,
                )
                .map_err(|e| e.to_string())?;
                federation.provide().await.map_err(|e| e.to_string())?
            }
            (idp, file) => {
                let missing = match (get("ak"), get("sk")) {
                    (Some(ak), Some(sk)) => {
                        let credentials = match get("security_token") {
                            Some(token) => {
                                Credentials::temporary(ak, Secret::new(sk), Secret::new(token))
                            }
                            None => Credentials::ak_sk(ak, Secret::new(sk)),
                        }
                        .map_err(|e| format!("{at}: {e}"))?;
                        let mut provided = Provided::permanent(credentials);
                        provided.iam_endpoint = iam.clone();
                        return Ok(with_project(provided, get("project_id")));
                    }
                    (Some(_), None) => "has ak but no sk",
                    (None, Some(_)) => "has sk but no ak",
                    (None, None) => match (idp, file) {
                        (Some(_), None) => "has idp_id but no id_token_file (nor ak and sk)",
                        (None, Some(_)) => "has id_token_file but no idp_id (nor ak and sk)",
                        _ => "has neither ak and sk nor idp_id and id_token_file",
                    },
                };
                return Err(format!("{at} {missing}"));
            }
        };
        if provided.iam_endpoint.is_none() {
            provided.iam_endpoint = iam;
        }
        Ok(with_project(provided, get("project_id")))
    }
}

fn with_project(mut provided: Provided, project_id: Option<&str>) -> Provided {
    if provided.project_id.is_none() {
        provided.project_id = project_id.map(str::to_string);
    }
    provided
}

impl ProvideCredentials for ProfileProvider {
    fn provide(&self) -> BoxFuture<'_, Result<Provided, Error>> {
        named(self, self.read())
    }

    fn describe(&self) -> String {
        match &self.path {
            Some(path) => format!("the profile file {}", path.display()),
            None => "the profile file".to_string(),
        }
    }

    fn source(&self) -> Source {
        Source::Profile
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    async fn read(text: &str) -> Result<Provided, String> {
        let (_dir, path) = file(text);
        ProfileProvider::at(&path).read().await
    }

    #[tokio::test]
    async fn basic_gives_the_key_and_the_project() {
        let provided =
            read("[other]\nak = X\n\n[basic]\nak = AKPROFILE\nsk = hidden-sk\nproject_id = p1\n")
                .await
                .unwrap();
        assert_eq!(
            provided.credentials,
            Credentials::ak_sk("AKPROFILE", "hidden-sk").unwrap()
        );
        assert_eq!(provided.project_id.as_deref(), Some("p1"));
        assert_eq!(provided.expires_at, None);
        let provided = read("[basic]\nak=A\nsk=S\nsecurity_token=T\n")
            .await
            .unwrap();
        assert!(provided.credentials.security_token().is_some());
    }

    #[tokio::test]
    async fn errors_name_the_file_the_line_and_what_is_missing() {
        let e = read("[default]\nak = A\nsk = S\n").await.unwrap_err();
        assert!(e.contains("credentials has no section [basic]"), "{e}");
        let e = read("# keys\n[basic]\nak = A\n").await.unwrap_err();
        assert!(
            e.contains("line 2: section [basic] has ak but no sk"),
            "{e}"
        );
        let e = read("[basic]\nproject_id = p\n").await.unwrap_err();
        assert!(
            e.contains("has neither ak and sk nor idp_id and id_token_file"),
            "{e}"
        );
        let e = read("[basic]\nak = A\nsk = hidden-sk\n[broken\nx = y\n")
            .await
            .unwrap_err();
        assert!(e.contains("line 4: not an INI file"), "{e}");
        let e = read("{\n  \"ak\": \"A\",\n  \"sk\": \"hidden-sk\"\n}\n")
            .await
            .unwrap_err();
        assert!(e.contains("credentials: line"), "{e}");
        assert!(!e.contains("hidden"), "{e}");
        let e = ProfileProvider::at("/nonexistent/hss/credentials")
            .read()
            .await
            .unwrap_err();
        assert!(
            e.contains("cannot read /nonexistent/hss/credentials"),
            "{e}"
        );
    }

    #[test]
    fn the_file_is_the_variable_else_under_home() {
        let named = ProfileProvider::from_lookup(|n| {
            (n == ENV_CREDENTIALS_FILE).then(|| "/etc/hss/credentials".to_string())
        });
        assert_eq!(named.path, Some(PathBuf::from("/etc/hss/credentials")));
        let home = ProfileProvider::from_lookup(|n| (n == "HOME").then(|| "/home/soc".to_string()));
        assert_eq!(
            home.path,
            Some(PathBuf::from("/home/soc/.huaweicloud/credentials"))
        );
    }
}
