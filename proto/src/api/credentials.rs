//! A person's credentials as the API takes and shows them: cards, PIN, fingerprints and
//! faces (never shown back, only counted), mobile credentials, computer usernames.

use super::PinText;
use super::user::{CardInput, CardView, UserView};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetCards {
    /// The person's cards afterwards (mobile-credential cards are kept); empty clears.
    #[cfg_attr(feature = "openapi", schema(max_items = 8))]
    pub cards: Vec<CardInput>,
    #[serde(default)]
    pub allow_duplicates: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardList {
    pub cards: Vec<CardView>,
}

/// Reads a card at a device of the site and gives it to the person.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanCard {
    pub device_id: u32,
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub label: Option<String>,
    #[serde(default)]
    pub allow_duplicates: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetPin {
    /// 4 to 16 digits, or `******` for a random PIN unique in the site.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^([0-9]{4,16}|\*{6})$"))]
    pub pin: PinText,
}

/// The person after a PIN change, and the PIN the server chose (shown only here).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinSet {
    #[serde(flatten)]
    pub user: UserView,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinText>,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FingerprintInput {
    /// The two templates of one finger, base64 (at most 384 bytes each).
    #[cfg_attr(feature = "openapi", schema(min_items = 2, max_items = 2))]
    pub templates: Vec<String>,
    /// Marks a duress finger.
    #[serde(default)]
    pub duress: bool,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetFingerprints {
    /// All of the person's fingerprints afterwards; empty clears.
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub fingerprints: Vec<FingerprintInput>,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaceInput {
    /// Base64 templates.
    #[serde(default)]
    pub templates: Vec<String>,
    /// A base64 image, when no template is given.
    pub image: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetFaces {
    #[cfg_attr(feature = "openapi", schema(max_items = 5))]
    pub faces: Vec<FaceInput>,
}

/// Biometric templates are personal data: their `Debug` shows only counts.
macro_rules! counted_debug {
    ($name:ident, $field:ident) => {
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).field(stringify!($field), &self.$field.len()).finish_non_exhaustive()
            }
        }
    };
}
counted_debug!(FingerprintInput, templates);
counted_debug!(SetFingerprints, fingerprints);
counted_debug!(FaceInput, templates);
counted_debug!(SetFaces, faces);

/// A scan at a device of the site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanAt {
    pub device_id: u32,
    /// Finger scans: the quality a capture must reach (0-100, default 50).
    #[cfg_attr(feature = "openapi", schema(maximum = 100))]
    pub quality_threshold: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    /// 1 to 30; 7 when absent.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 30))]
    pub expires_in_days: Option<i64>,
}

/// Where a mobile credential is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InvitationState {
    Invited,
    Active,
    Revoked,
}

impl InvitationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "INVITED",
            Self::Active => "ACTIVE",
            Self::Revoked => "REVOKED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Invited, Self::Active, Self::Revoked].into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MobileCredential {
    pub id: i64,
    pub email: String,
    pub state: InvitationState,
    /// When an unredeemed invitation stops working (RFC 3339).
    pub expires_at: String,
}

/// A new invitation with its code, shown only here (send it to the person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    #[serde(flatten)]
    pub credential: MobileCredential,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MobileCredentials {
    pub mobile_credentials: Vec<MobileCredential>,
}

#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Redeem {
    /// The invitation code, `XXXX-XXXX-XXXX-XXXX` (case and spaces do not matter).
    pub code: String,
}

impl fmt::Debug for Redeem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redeem(<redacted>)")
    }
}

/// One computer username, as a string or as Allthenticate's `{"computer_username": …}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ComputerUsername {
    Plain(String),
    Tagged { computer_username: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetComputerUsernames {
    /// The whole list afterwards; empty clears it.
    #[cfg_attr(feature = "openapi", schema(max_items = 32))]
    pub computer_usernames: Vec<ComputerUsername>,
}
