//! [`Environment`]: the one loader of the environment. It reads what a
//! client is configured with from outside the code (the region and its
//! endpoint, the project id, the budget, the IAM endpoint, and where the
//! credentials come from) for [`crate::HssClient::from_env`],
//! [`crate::HssClient::from_default_chain`] and `hss`, by the variable
//! names in [`crate::env`].

use crate::auth::credentials::Credentials;
use crate::auth::provider::DefaultChain;
use crate::error::Error;
use crate::region::{Endpoint, Region};
use crate::runtime::budget::Budget;
use crate::vars::{
    ENV_DOMAIN_ID, ENV_IAM_ENDPOINT, ENV_PROJECT_ID, ENV_RATE_LIMIT, ENV_REGION, region_override,
    required,
};

/// The environment, read through a lookup (which returns `None` for an
/// unset variable). Every error names the variable it is about.
#[derive(Clone, Copy, Debug)]
pub struct Environment<L> {
    lookup: L,
}

impl Environment<fn(&str) -> Option<String>> {
    /// The process's environment.
    pub fn process() -> Self {
        fn var(name: &str) -> Option<String> {
            std::env::var(name).ok()
        }
        Environment { lookup: var }
    }
}

impl<L: Fn(&str) -> Option<String>> Environment<L> {
    /// The environment `lookup` reads.
    pub fn new(lookup: L) -> Self {
        Environment { lookup }
    }

    /// A variable's value, as it is (`None` when it is not set).
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    /// A variable's value when it is set and not empty.
    pub fn value(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// A variable that must be set and not empty.
    pub fn required(&self, name: &str) -> Result<String, Error> {
        required(&self.lookup, name)
    }

    /// The region of `HUAWEICLOUD_SDK_REGION`, which must be set.
    pub fn region(&self) -> Result<Region, Error> {
        Self::parse_region(&self.required(ENV_REGION)?)
    }

    /// The region of `HUAWEICLOUD_SDK_REGION`, when it is set.
    pub fn region_if_set(&self) -> Result<Option<Region>, Error> {
        self.value(ENV_REGION)
            .map(|id| Self::parse_region(&id))
            .transpose()
    }

    fn parse_region(id: &str) -> Result<Region, Error> {
        id.parse()
            .map_err(|e| Error::Config(format!("environment variable {ENV_REGION}: {e}")))
    }

    /// The endpoint of `region`: the value of its override variable
    /// (`HUAWEICLOUD_SDK_REGION_HSS_<REGION>`) when it is set and not
    /// empty, else the region's own.
    pub fn endpoint(&self, region: Region) -> Result<Endpoint, Error> {
        let name = region_override(region.id());
        match self.value(&name) {
            Some(value) => Endpoint::parse(value.trim())
                .map_err(|e| Error::Config(format!("environment variable {name}: {e}"))),
            None => Endpoint::parse(&region.endpoint_url()),
        }
    }

    /// The project id of `HUAWEICLOUD_SDK_PROJECT_ID`, when it is set.
    pub fn project_id(&self) -> Option<String> {
        self.value(ENV_PROJECT_ID)
    }

    /// The account (domain) id of `HUAWEICLOUD_SDK_DOMAIN_ID`, when it is
    /// set.
    pub fn domain_id(&self) -> Option<String> {
        self.value(ENV_DOMAIN_ID)
    }

    /// The budget of `HSS_RATE_LIMIT`, else the spec's.
    pub fn budget(&self) -> Result<Budget, Error> {
        match self.value(ENV_RATE_LIMIT) {
            None => Ok(Budget::Spec),
            Some(text) => text
                .parse()
                .map_err(|e| Error::Config(format!("environment variable {ENV_RATE_LIMIT}: {e}"))),
        }
    }

    /// The IAM endpoint of `HUAWEICLOUD_SDK_IAM_ENDPOINT`, when it is set.
    pub fn iam_endpoint(&self) -> Option<String> {
        self.value(ENV_IAM_ENDPOINT)
    }

    /// AK/SK credentials from the environment
    /// ([`Credentials::from_lookup`]).
    pub fn credentials(&self) -> Result<Credentials, Error> {
        Credentials::from_lookup(&self.lookup)
    }

    /// The default chain of credential sources, reading this environment
    /// (a variable set but empty counts as unset).
    pub fn default_chain(&self) -> Result<DefaultChain, Error> {
        DefaultChain::from_lookup(|name| self.value(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(
        vars: &'static [(&'static str, &'static str)],
    ) -> Environment<impl Fn(&str) -> Option<String>> {
        Environment::new(move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn each_setting_names_its_variable_when_it_is_wrong() {
        let wrong = env(&[
            ("HUAWEICLOUD_SDK_REGION", "nowhere-1"),
            ("HSS_RATE_LIMIT", "lots"),
            ("HUAWEICLOUD_SDK_REGION_HSS_CN_NORTH_4", "not a url"),
        ]);
        assert!(wrong.region().unwrap_err().to_string().contains(ENV_REGION));
        assert!(
            wrong
                .budget()
                .unwrap_err()
                .to_string()
                .contains(ENV_RATE_LIMIT)
        );
        let endpoint = wrong.endpoint(Region::CnNorth4).unwrap_err().to_string();
        assert!(
            endpoint.contains("HUAWEICLOUD_SDK_REGION_HSS_CN_NORTH_4"),
            "{endpoint}"
        );
        let empty = env(&[
            ("HUAWEICLOUD_SDK_PROJECT_ID", ""),
            ("HUAWEICLOUD_SDK_REGION", " "),
        ]);
        assert_eq!(empty.project_id(), None);
        assert_eq!(empty.region_if_set().unwrap(), None);
        assert!(empty.region().is_err());
        assert_eq!(empty.budget().unwrap(), Budget::Spec);
    }

    #[test]
    fn a_region_s_override_wins_over_its_endpoint() {
        assert_eq!(
            region_override(Region::CnNorth4.id()),
            "HUAWEICLOUD_SDK_REGION_HSS_CN_NORTH_4"
        );
        let endpoint = Environment::new(|name: &str| {
            (name == "HUAWEICLOUD_SDK_REGION_HSS_CN_NORTH_4")
                .then(|| "http://127.0.0.1:9000/prefix/".to_string())
        })
        .endpoint(Region::CnNorth4)
        .unwrap();
        assert_eq!(endpoint.base_url(), "http://127.0.0.1:9000/prefix");
        let default = Environment::new(|_: &str| None)
            .endpoint(Region::CnNorth4)
            .unwrap();
        assert_eq!(
            default.base_url(),
            "https://hss.cn-north-4.myhuaweicloud.com"
        );
        let bad = Environment::new(|_: &str| Some("not a url".into()))
            .endpoint(Region::CnNorth4)
            .unwrap_err()
            .to_string();
        assert!(
            bad.contains("HUAWEICLOUD_SDK_REGION_HSS_CN_NORTH_4"),
            "{bad}"
        );
        assert_eq!(
            env(&[]).endpoint(Region::EuWest101).unwrap().base_url(),
            "https://hss.eu-west-101.myhuaweicloud.eu"
        );
    }
}
