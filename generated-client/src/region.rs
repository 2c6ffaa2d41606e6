//! Regions that serve HSS, and endpoints (a region's or a custom base URL).

use std::fmt;
use std::str::FromStr;

use reqwest::Url;

use crate::error::Error;

macro_rules! regions {
    ($($variant:ident => $id:literal,)*) => {
        /// A Huawei Cloud region that serves HSS: the 32 regions the
        /// official SDK knows. It parses from and prints as the region id.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Region {
            $(
                #[doc = concat!("`", $id, "`")]
                $variant,
            )*
        }

        impl Region {
            /// Every known region, in the official SDK's order.
            pub const ALL: &'static [Region] = &[$(Region::$variant,)*];

            /// The region id, such as `cn-north-4`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Region::$variant => $id,)*
                }
            }
        }
    };
}

regions! {
    CnNorth9 => "cn-north-9",
    CnNorth1 => "cn-north-1",
    CnNorth4 => "cn-north-4",
    CnSouthwest2 => "cn-southwest-2",
    CnEast2 => "cn-east-2",
    CnEast3 => "cn-east-3",
    CnEast4 => "cn-east-4",
    CnSouth1 => "cn-south-1",
    CnSouth2 => "cn-south-2",
    ApSoutheast1 => "ap-southeast-1",
    ApSoutheast2 => "ap-southeast-2",
    ApSoutheast3 => "ap-southeast-3",
    NaMexico1 => "na-mexico-1",
    AfSouth1 => "af-south-1",
    SaBrazil1 => "sa-brazil-1",
    LaSouth2 => "la-south-2",
    CnSouth4 => "cn-south-4",
    LaNorth2 => "la-north-2",
    TrWest1 => "tr-west-1",
    CnNorth2 => "cn-north-2",
    ApSoutheast4 => "ap-southeast-4",
    AeAd1 => "ae-ad-1",
    MeEast1 => "me-east-1",
    CnEast5 => "cn-east-5",
    MyKualalumpur1 => "my-kualalumpur-1",
    EuWest101 => "eu-west-101",
    RuMoscow1 => "ru-moscow-1",
    CnNorth12 => "cn-north-12",
    CnSouthwest3 => "cn-southwest-3",
    CnNorth11 => "cn-north-11",
    AfNorth1 => "af-north-1",
    ApSoutheast5 => "ap-southeast-5",
}

impl Region {
    /// The region's HSS endpoint: `https://hss.{id}.myhuaweicloud.com`, or
    /// `https://hss.eu-west-101.myhuaweicloud.eu` for `eu-west-101`.
    pub fn endpoint_url(self) -> String {
        match self {
            Region::EuWest101 => format!("https://hss.{}.myhuaweicloud.eu", self.id()),
            _ => format!("https://hss.{}.myhuaweicloud.com", self.id()),
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A region id that is not one of [`Region::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown HSS region {id:?}; known regions: {known}")]
pub struct UnknownRegion {
    /// The id that was not recognised.
    pub id: String,
    /// The known ids, comma-separated.
    pub known: String,
}

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .iter()
            .copied()
            .find(|r| r.id() == id)
            .ok_or_else(|| UnknownRegion {
                id: id.to_string(),
                known: Region::ALL
                    .iter()
                    .map(|r| r.id())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// A base URL that requests go to. It keeps its scheme, port and path
/// prefix: with `https://proxy.example:8443/hss`, an operation whose path
/// is `/v5/{project_id}/...` is sent to
/// `https://proxy.example:8443/hss/v5/{project_id}/...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
}

impl Endpoint {
    /// Parses a base URL (`http` or `https`, with a host, no query or
    /// fragment). A trailing `/` is ignored.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let url = Url::parse(text)
            .map_err(|e| Error::Config(format!("endpoint {text:?} is not a URL: {e}")))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Error::Config(format!(
                "endpoint {text:?} must use http or https, not {}",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Error::Config(format!("endpoint {text:?} has no host")));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::Config(format!(
                "endpoint {text:?} must not have a query or fragment"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Config(format!(
                "endpoint {:?} must not carry user information",
                url.origin().ascii_serialization()
            )));
        }
        Ok(Self { url })
    }

    /// The base URL as the generated client expects it: no trailing `/`.
    pub fn base_url(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_string()
    }

    /// The parsed URL.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

impl FromStr for Endpoint {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Endpoint::parse(text)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_two_regions_round_trip() {
        assert_eq!(Region::ALL.len(), 32);
        for region in Region::ALL {
            assert_eq!(region.to_string().parse::<Region>().unwrap(), *region);
        }
        let mut ids: Vec<_> = Region::ALL.iter().map(|r| r.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 32);
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            Region::CnNorth4.endpoint_url(),
            "https://hss.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(
            Region::EuWest101.endpoint_url(),
            "https://hss.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(
            Region::ApSoutheast1.endpoint_url(),
            "https://hss.ap-southeast-1.myhuaweicloud.com"
        );
    }

    #[test]
    fn unknown_region_lists_known_ones() {
        let e = "mars-north-1".parse::<Region>().unwrap_err().to_string();
        assert!(e.contains("mars-north-1"), "{e}");
        for region in Region::ALL {
            assert!(e.contains(region.id()), "{e} lacks {region}");
        }
    }

    #[test]
    fn custom_endpoint_keeps_scheme_port_and_prefix() {
        let e = Endpoint::parse("http://proxy.example:8443/hss/v/").unwrap();
        assert_eq!(e.base_url(), "http://proxy.example:8443/hss/v");
        assert!(Endpoint::parse("ftp://x").is_err());
        assert!(Endpoint::parse("https://x/?a=b").is_err());
        assert!(Endpoint::parse("nonsense").is_err());
        let with_user = Endpoint::parse("https://user:pw-secret@x/").unwrap_err();
        assert!(!with_user.to_string().contains("pw-secret"));
    }
}
