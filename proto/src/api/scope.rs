//! What an API token may do.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "users:write")]
    UsersWrite,
    #[serde(rename = "devices:read")]
    DevicesRead,
    #[serde(rename = "devices:write")]
    DevicesWrite,
    /// SCIM 2.0 provisioning (`/scim/v2`): an identity provider reads and writes people.
    #[serde(rename = "scim")]
    Scim,
}

impl Scope {
    pub const ALL: [Scope; 5] =
        [Scope::UsersRead, Scope::UsersWrite, Scope::DevicesRead, Scope::DevicesWrite, Scope::Scim];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
            Scope::DevicesRead => "devices:read",
            Scope::DevicesWrite => "devices:write",
            Scope::Scim => "scim",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
