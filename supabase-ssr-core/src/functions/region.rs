//! The region a function runs in: functions-js's `FunctionRegion`.

use std::fmt;

/// Where the platform runs the function: functions-js's `FunctionRegion` values, and
/// [`Other`](Self::Other) for a region added after this list.
///
/// Any region but [`Any`](Self::Any) is sent as functions-js sends it: the `x-region` header and
/// the `forceFunctionRegion` query parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FunctionRegion {
    /// The platform picks (the default; nothing is sent).
    #[default]
    Any,
    /// `ap-northeast-1` (Tokyo).
    ApNortheast1,
    /// `ap-northeast-2` (Seoul).
    ApNortheast2,
    /// `ap-south-1` (Mumbai).
    ApSouth1,
    /// `ap-southeast-1` (Singapore).
    ApSoutheast1,
    /// `ap-southeast-2` (Sydney).
    ApSoutheast2,
    /// `ca-central-1` (Canada).
    CaCentral1,
    /// `eu-central-1` (Frankfurt).
    EuCentral1,
    /// `eu-west-1` (Ireland).
    EuWest1,
    /// `eu-west-2` (London).
    EuWest2,
    /// `eu-west-3` (Paris).
    EuWest3,
    /// `sa-east-1` (São Paulo).
    SaEast1,
    /// `us-east-1` (North Virginia).
    UsEast1,
    /// `us-west-1` (North California).
    UsWest1,
    /// `us-west-2` (Oregon).
    UsWest2,
    /// A region by its name, e.g. one newer than this list.
    Other(String),
}

/// The named regions, for [`FunctionRegion::from`] by name.
const NAMED: [FunctionRegion; 15] = [
    FunctionRegion::Any,
    FunctionRegion::ApNortheast1,
    FunctionRegion::ApNortheast2,
    FunctionRegion::ApSouth1,
    FunctionRegion::ApSoutheast1,
    FunctionRegion::ApSoutheast2,
    FunctionRegion::CaCentral1,
    FunctionRegion::EuCentral1,
    FunctionRegion::EuWest1,
    FunctionRegion::EuWest2,
    FunctionRegion::EuWest3,
    FunctionRegion::SaEast1,
    FunctionRegion::UsEast1,
    FunctionRegion::UsWest1,
    FunctionRegion::UsWest2,
];

impl FunctionRegion {
    /// The region's name as the platform spells it (`"us-east-1"`, `"any"`).
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Any => "any",
            Self::ApNortheast1 => "ap-northeast-1",
            Self::ApNortheast2 => "ap-northeast-2",
            Self::ApSouth1 => "ap-south-1",
            Self::ApSoutheast1 => "ap-southeast-1",
            Self::ApSoutheast2 => "ap-southeast-2",
            Self::CaCentral1 => "ca-central-1",
            Self::EuCentral1 => "eu-central-1",
            Self::EuWest1 => "eu-west-1",
            Self::EuWest2 => "eu-west-2",
            Self::EuWest3 => "eu-west-3",
            Self::SaEast1 => "sa-east-1",
            Self::UsEast1 => "us-east-1",
            Self::UsWest1 => "us-west-1",
            Self::UsWest2 => "us-west-2",
            Self::Other(name) => name,
        }
    }

    /// The region to send, if any: functions-js sends nothing for `any` (and for an empty name).
    pub(crate) fn forced(&self) -> Option<&str> {
        Some(self.as_str()).filter(|name| !name.is_empty() && *name != "any")
    }
}

impl From<&str> for FunctionRegion {
    /// The named region for a known name, [`Other`](Self::Other) for any other.
    fn from(name: &str) -> Self {
        NAMED
            .into_iter()
            .find(|region| region.as_str() == name)
            .unwrap_or_else(|| Self::Other(name.to_owned()))
    }
}

impl fmt::Display for FunctionRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_kept() {
        for region in NAMED {
            assert_eq!(FunctionRegion::from(region.as_str()), region);
        }
        assert_eq!(
            FunctionRegion::from("me-central-1"),
            FunctionRegion::Other("me-central-1".into())
        );
        assert_eq!(FunctionRegion::UsEast1.to_string(), "us-east-1");
    }

    #[test]
    fn any_is_not_sent() {
        assert_eq!(FunctionRegion::Any.forced(), None);
        assert_eq!(FunctionRegion::from("any").forced(), None);
        assert_eq!(FunctionRegion::Other(String::new()).forced(), None);
        assert_eq!(FunctionRegion::EuWest3.forced(), Some("eu-west-3"));
    }
}
