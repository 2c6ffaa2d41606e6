//! The project id of a region, looked up at IAM when it is not given, as
//! the official SDKs do (Python `huaweicloudsdkcore/auth/credentials.py`,
//! `BasicCredentials.process_auth_params`): `GET {iam}/v3/projects?name=<region>`,
//! signed with the credentials. It must find exactly one project. The
//! result is kept for the process, per key and region.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use serde::Deserialize;

use super::cache::Signing;
use super::credentials::Credentials;
use super::provider::{answered, failed};
use super::sign::{canonicalize_query, sign_with};
use crate::error::Error;
use crate::http::http_client;

/// Path of the project list.
pub const PROJECTS_PATH: &str = "/v3/projects";

#[derive(Deserialize)]
struct Projects {
    #[serde(default)]
    projects: Vec<Project>,
}

#[derive(Deserialize)]
struct Project {
    id: String,
}

fn cache() -> &'static Mutex<HashMap<(String, String), String>> {
    static CACHE: OnceLock<Mutex<HashMap<(String, String), String>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The id of the one project named `region`, asked of `iam` with `signing`.
pub(crate) async fn look_up(iam: &str, region: &str, signing: &Signing) -> Result<String, Error> {
    let source = format!("the project lookup at {iam}");
    let key = match &signing.credentials {
        Credentials::AkSk { ak, .. } => ak.clone(),
        Credentials::IamToken(_) => String::new(),
    };
    let cache_key = (key, region.to_string());
    if let Some(id) = cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&cache_key)
    {
        return Ok(id.clone());
    }
    let http = http_client(std::time::Duration::from_secs(10))?;
    let url = format!("{}{PROJECTS_PATH}", iam.trim_end_matches('/'));
    let mut request = http
        .get(&url)
        .query(&[("name", region)])
        .build()
        .map_err(|e| failed(&source, format!("GET {url}: {e}")))?;
    canonicalize_query(request.url_mut());
    sign_with(Some(signing), None, SystemTime::now(), &mut request);
    let what = format!("GET {url}?name={region}");
    let sent = http.execute(request).await;
    // IAM unreachable, late, or answering an error: the service failed,
    // not the settings.
    let unavailable = |message| Error::IdentityService {
        source_name: source.clone(),
        message,
    };
    let (_, body) = answered(&what, sent).await.map_err(unavailable)?;
    let projects: Projects = serde_json::from_slice(&body)
        .map_err(|e| unavailable(format!("GET {url}: the answer is not a project list: {e}")))?;
    let id = match projects.projects.as_slice() {
        [one] => one.id.clone(),
        [] => {
            return Err(failed(
                &source,
                format!("no project is named {region}: give the project id"),
            ));
        }
        many => {
            let ids: Vec<&str> = many.iter().map(|p| p.id.as_str()).collect();
            return Err(failed(
                &source,
                format!(
                    "{} projects are named {region} ({}): give the project id",
                    many.len(),
                    ids.join(", ")
                ),
            ));
        }
    };
    cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(cache_key, id.clone());
    Ok(id)
}
