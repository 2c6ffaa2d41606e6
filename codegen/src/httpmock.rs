//! Generates typed [httpmock] helpers for the `hss-client` crate's `mock`
//! feature: one `When`/`Then` pair per operation and a `MockServerExt`
//! trait with a method per operation.
//!
//! The spec goes through the same checks and progenitor settings as the
//! client module ([`crate::generate_client`]), so the helpers name exactly
//! the types of the generated client.
//!
//! [httpmock]: https://docs.rs/httpmock

use crate::extensions::Extensions;
use crate::{Error, SpecSource, prepare};

/// Path the helpers import the client's items from: they are a module of
/// the client crate itself.
const CRATE_PATH: &str = "crate";

/// The module documentation written at the top of the generated file.
const MODULE_DOCS: &str = r#"//! Typed [httpmock](https://docs.rs/httpmock) helpers for testing code that
//! uses this client without a Huawei Cloud account (cargo feature `mock`).
//!
//! [`MockServerExt`] adds one method per operation to
//! `httpmock::MockServer`; its `When` argument has a method per request
//! parameter and its `Then` argument a method per documented response, each
//! taking the generated types.
//!
//! A consumer's test, with `hss-client = { ..., features = ["mock"] }` and
//! `httpmock` among its dev-dependencies:
//!
//! ```
//! use hss_client::mock::MockServerExt;
//! use hss_client::types::ListClusterEventsResponse;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let page: ListClusterEventsResponse = serde_json::from_value(serde_json::json!({
//!     "total_num": 1,
//!     "data_list": [{ "event_id": "e1", "cluster_id": "c1" }],
//! }))
//! .unwrap();
//!
//! let server = httpmock::MockServer::start_async().await;
//! let stub = server.list_cluster_events(|when, then| {
//!     when.project_id(&"p1".to_string()).offset(0).limit(10);
//!     then.ok(&page);
//! });
//!
//! let client = hss_client::Client::new(&server.base_url(), Default::default());
//! let page = client
//!     .list_cluster_events()
//!     .project_id("p1")
//!     .offset(0)
//!     .limit(10)
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(page.data_list[0].event_id.as_deref(), Some("e1"));
//! stub.assert();
//! # }
//! ```

"#;

/// Generates the httpmock helper module from `source`.
///
/// `spec_label` names the spec in the file header. Like the client module,
/// the output depends on the spec's content only.
pub fn generate_httpmock(source: &SpecSource, spec_label: &str) -> Result<String, Error> {
    let extensions = prepare(source)?;
    generate_prepared(source, &extensions, spec_label)
}

/// [`generate_httpmock`] for a spec that [`prepare`] has already accepted.
pub(crate) fn generate_prepared(
    source: &SpecSource,
    extensions: &Extensions,
    spec_label: &str,
) -> Result<String, Error> {
    let file = crate::progenitor_file(source, extensions, |generator, openapi| {
        generator.httpmock(openapi, CRATE_PATH)
    })?;
    Ok(format!(
        "{}{}{}",
        crate::header(spec_label),
        MODULE_DOCS,
        prettyplease::unparse(&file)
    ))
}
