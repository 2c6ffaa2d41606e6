//! The facts an event needs that a record does not hold.

use crate::client::HssClient;
use crate::spec::siem::ContextValue;

/// Facts an event needs that a record does not hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// The region the records were read in.
    pub region: Option<String>,
    /// The project id.
    pub project: Option<String>,
    /// The account (domain) id, when known.
    pub account: Option<String>,
    /// The id of the record's version (`RecordKey::of_version`), the same
    /// as `hss watch`'s line id.
    pub id: Option<String>,
}

impl Context {
    /// With the region.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// With the project id.
    pub fn with_project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// With the account (domain) id.
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// With the record version's id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The region and project of `client`.
    pub fn of_client(client: &HssClient) -> Self {
        Context {
            region: client.region().map(|r| r.id().to_string()),
            project: Some(client.project_id().to_string()),
            ..Context::default()
        }
    }

    /// The value of one fact, when known.
    pub(super) fn get(&self, value: ContextValue) -> Option<&str> {
        match value {
            ContextValue::Region => self.region.as_deref(),
            ContextValue::Project => self.project.as_deref(),
            ContextValue::Account => self.account.as_deref(),
            ContextValue::Id => self.id.as_deref(),
        }
    }
}
