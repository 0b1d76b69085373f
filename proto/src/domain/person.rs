//! The people of a site (SPEC.md, People and roles): the fields a person has beyond what
//! the devices hold, and their rules. Used by the REST API, CSV import and the console.

use super::error::{FieldError, Problem, Unit, check_count};
use super::limits::{MAX_ACCESS_GROUPS, MAX_JOB_CODES};
use super::rank::Rank;
use super::text::{validate_job_code_label, validate_name};
use super::validity::{ValidityWindow, parse_time};
use serde::{Deserialize, Serialize};

pub const EMAIL_MAX_CHARS: usize = 254;
pub const PHONE_MAX_CHARS: usize = 32;
pub const SHORT_TEXT_MAX_CHARS: usize = 64;
pub const NOTES_MAX_CHARS: usize = 1000;
pub const SYSTEM_ID_MAX_CHARS: usize = 128;
pub const MAX_COMPUTER_USERNAMES: usize = 32;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Tag {
    #[default]
    User,
    /// May hold credentials and a validity period; never access groups or a rank.
    Guest,
}

impl Tag {
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::User => "USER",
            Tag::Guest => "GUEST",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Tag::User, Tag::Guest].into_iter().find(|t| t.as_str() == s)
    }
}

/// Guests hold no access groups and no rank.
pub fn check_guest(tag: Tag, access_groups: usize, rank: Rank) -> Result<(), FieldError> {
    if tag != Tag::Guest {
        return Ok(());
    }
    if access_groups > 0 {
        let why = "a guest cannot belong to access groups; promote them to USER first";
        return Err(FieldError::new("access_groups", Problem::Invalid(why.into())));
    }
    if rank != Rank::Regular {
        return Err(FieldError::new(
            "rank",
            Problem::Invalid("a guest cannot have a rank; promote them to USER first".into()),
        ));
    }
    Ok(())
}

/// An email address, trimmed and lower-cased: emails are compared case-insensitively
/// everywhere (uniqueness per site, search filters).
pub fn normalize_email(field: &str, email: &str) -> Result<String, FieldError> {
    let email = email.trim();
    let len = email.chars().count();
    if len > EMAIL_MAX_CHARS {
        return Err(FieldError::new(field, Problem::TooLong { len, max: EMAIL_MAX_CHARS, unit: Unit::Characters }));
    }
    let invalid = || FieldError::new(field, Problem::Invalid(format!("{:?} is not an email address", email)));
    let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
    let well_formed = !local.is_empty()
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.contains('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !local.contains('@');
    if !well_formed {
        return Err(invalid());
    }
    Ok(email.to_lowercase())
}

/// A phone number: digits with the usual separators, at most 32 characters.
pub fn validate_phone(field: &str, phone: &str) -> Result<(), FieldError> {
    bounded(field, phone, PHONE_MAX_CHARS)?;
    if let Some(c) = phone.chars().find(|c| !(c.is_ascii_digit() || " +-().".contains(*c))) {
        return Err(FieldError::new(
            field,
            Problem::Invalid(format!("{c:?} is not allowed; use digits, spaces and + - ( ) .")),
        ));
    }
    Ok(())
}

/// Free text with a length limit and no control characters (notes may hold line breaks).
pub fn bounded(field: &str, text: &str, max: usize) -> Result<(), FieldError> {
    let len = text.chars().count();
    if len > max {
        return Err(FieldError::new(field, Problem::TooLong { len, max, unit: Unit::Characters }));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(FieldError::new(field, Problem::Invalid("contains a control character".into())));
    }
    Ok(())
}

/// The fields of a person the console keeps, as the API accepts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonFields {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 48))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 48))]
    pub first_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 48))]
    pub last_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub username: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 32))]
    pub phone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub department: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub notes: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub system_id: Option<String>,
    #[serde(default)]
    pub tag: Tag,
    /// ISO 8601 date or date-time; a bare date is that day in UTC. None: no limit.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 16))]
    pub access_groups: Vec<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 16))]
    pub job_codes: Vec<JobCodeEntry>,
    /// The device's security level, 0 (device default) to 5.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 5))]
    pub security_level: u8,
    /// Private authentication modes; None: the device's defaults.
    pub auth_modes: Option<AuthModes>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 32))]
    pub computer_usernames: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobCodeEntry {
    pub code: u32,
    #[serde(default)]
    pub label: String,
}

/// The private auth modes of UserSetting (biometricAuthMode, cardAuthMode, IDAuthMode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthModes {
    pub biometric: u8,
    pub card: u8,
    pub id: u8,
}

impl AuthModes {
    /// NONE: the device's own AuthConfig decides.
    pub const DEVICE_DEFAULT: u8 = 0xFF;
    pub const PROHIBITED: u8 = 0xFE;
    /// The named modes of each kind (gsdk.auth.AuthMode); 11–49 are extended modes.
    pub const BIOMETRIC: [(u8, &'static str); 2] = [(0, "Biometric only"), (1, "Biometric + PIN")];
    pub const CARD: [(u8, &'static str); 5] = [
        (2, "Card only"),
        (3, "Card + biometric"),
        (4, "Card + PIN"),
        (5, "Card + biometric or PIN"),
        (6, "Card + biometric + PIN"),
    ];
    pub const ID: [(u8, &'static str); 4] =
        [(7, "ID + biometric"), (8, "ID + PIN"), (9, "ID + biometric or PIN"), (10, "ID + biometric + PIN")];

    /// A mode's name as an admin reads it.
    pub fn name(mode: u8) -> String {
        let named = Self::BIOMETRIC.iter().chain(&Self::CARD).chain(&Self::ID).find(|(m, _)| *m == mode);
        match (mode, named) {
            (_, Some((_, name))) => (*name).to_owned(),
            (Self::DEVICE_DEFAULT, _) => "Device default".to_owned(),
            (Self::PROHIBITED, _) => "Not allowed".to_owned(),
            _ => format!("Extended mode {mode}"),
        }
    }
}

pub const MAX_SECURITY_LEVEL: u8 = 5;
/// The devices' security levels (UserSetting.securityLevel), 0 to 5.
pub const SECURITY_LEVELS: [&str; 6] = ["Device default", "Lowest", "Low", "Normal", "High", "Highest"];

impl PersonFields {
    /// Checks every field; normalises the email. The first violation is returned.
    pub fn validate(&mut self) -> Result<(), FieldError> {
        if self.name.trim().is_empty() {
            return Err(FieldError::new("name", Problem::Missing));
        }
        validate_name("name", &self.name)?;
        for (field, value) in [("first_name", &self.first_name), ("last_name", &self.last_name)] {
            if let Some(v) = value {
                validate_name(field, v)?;
            }
        }
        if let Some(email) = &self.email {
            self.email = Some(normalize_email("email", email)?);
        }
        if let Some(username) = &self.username {
            self.username = Some(super::username::check(username)?);
        }
        if let Some(phone) = &self.phone {
            validate_phone("phone", phone)?;
        }
        for (field, value, max) in [
            ("department", &self.department, SHORT_TEXT_MAX_CHARS),
            ("title", &self.title, SHORT_TEXT_MAX_CHARS),
            ("notes", &self.notes, NOTES_MAX_CHARS),
            ("system_id", &self.system_id, SYSTEM_ID_MAX_CHARS),
        ] {
            if let Some(v) = value {
                bounded(field, v, max)?;
            }
        }
        check_count("access_groups", self.access_groups.len(), MAX_ACCESS_GROUPS)?;
        check_guest(self.tag, self.access_groups.len(), Rank::Regular)?;
        check_job_codes(self.job_codes.len())?;
        for (i, code) in self.job_codes.iter().enumerate() {
            validate_job_code_label(&format!("job_codes[{i}].label"), &code.label)?;
        }
        if self.security_level > MAX_SECURITY_LEVEL {
            return Err(FieldError::new(
                "security_level",
                Problem::OutOfRange { value: self.security_level.to_string(), min: "0".into(), max: "5".into() },
            ));
        }
        self.validity()?;
        check_count("computer_usernames", self.computer_usernames.len(), MAX_COMPUTER_USERNAMES)?;
        for (i, u) in self.computer_usernames.iter().enumerate() {
            bounded(&format!("computer_usernames[{i}]"), u, SHORT_TEXT_MAX_CHARS)?;
        }
        Ok(())
    }
}

impl PersonFields {
    /// The validity window as the devices take it.
    pub fn validity(&self) -> Result<ValidityWindow, FieldError> {
        let start = self.start_time.as_deref().map(|t| parse_time("start_time", t, false)).transpose()?;
        let end = self.end_time.as_deref().map(|t| parse_time("end_time", t, true)).transpose()?;
        let window = ValidityWindow { start: start.unwrap_or(0), end: end.unwrap_or(0) };
        window.validate("start_time", "end_time")?;
        Ok(window)
    }
}

/// Access group IDs as a person types them: separated by `;` (the CSV's way) or `,`.
pub fn parse_access_groups(text: &str) -> Result<Vec<u32>, FieldError> {
    text.split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|g| {
            g.parse::<u32>().map_err(|_| {
                FieldError::new("access_groups", Problem::Invalid(format!("{g:?} is not an access group number")))
            })
        })
        .collect()
}

/// Job codes have the same limit as on the devices.
pub fn check_job_codes(count: usize) -> Result<(), FieldError> {
    check_count("job_codes", count, MAX_JOB_CODES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn access_groups_parse_from_text_or_name_the_bad_one() {
        assert_eq!(parse_access_groups(" 1; 2,3 ;").unwrap(), [1, 2, 3]);
        assert_eq!(parse_access_groups("").unwrap(), Vec::<u32>::new());
        let e = parse_access_groups("1; two").unwrap_err();
        assert_eq!(e.to_string(), "access_groups: \"two\" is not an access group number");
    }

    #[test]
    fn emails() {
        assert_eq!(normalize_email("email", " Ann.Lee@Example.COM ").unwrap(), "ann.lee@example.com");
        for bad in ["ann", "ann@", "@example.com", "ann@example", "ann lee@example.com", "ann@.example.com"] {
            assert!(normalize_email("email", bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(normalize_email("email", &long).unwrap_err().to_string(), "email: 262 characters, at most 254");
    }

    #[test]
    fn guests_hold_no_access_groups() {
        let mut p =
            PersonFields { name: "Visitor".into(), tag: Tag::Guest, access_groups: vec![3], ..Default::default() };
        let e = p.validate().unwrap_err();
        assert_eq!(e.field, "access_groups");
        assert!(check_guest(Tag::Guest, 0, Rank::Admin).is_err());
        assert!(check_guest(Tag::User, 3, Rank::Admin).is_ok());
    }

    #[test]
    fn each_limit_names_its_field() {
        let mut p = PersonFields { name: "Ann".into(), department: Some("d".repeat(65)), ..Default::default() };
        assert_eq!(p.validate().unwrap_err().to_string(), "department: 65 characters, at most 64");
        let mut p = PersonFields { name: "Ann".into(), access_groups: (1..=17).collect(), ..Default::default() };
        assert_eq!(p.validate().unwrap_err().to_string(), "access_groups: 17 given, at most 16");
        let mut p = PersonFields { name: "Ann".into(), phone: Some("+49 (30) 1234-5678".into()), ..Default::default() };
        assert!(p.validate().is_ok());
        let mut p = PersonFields { name: "Ann".into(), phone: Some("call me".into()), ..Default::default() };
        assert!(p.validate().unwrap_err().to_string().starts_with("phone: "));
        assert!(check_job_codes(17).is_err());
        let mut p = PersonFields { name: "Ann".into(), end_time: Some("2031-01-01".into()), ..Default::default() };
        assert!(p.validate().unwrap_err().to_string().starts_with("end_time: "));
        let mut p = PersonFields {
            name: "Ann".into(),
            start_time: Some("2026-02-01".into()),
            end_time: Some("2026-01-01".into()),
            ..Default::default()
        };
        assert!(p.validate().unwrap_err().to_string().starts_with("end_time: "));
        let mut p = PersonFields { name: "Ann".into(), security_level: 6, ..Default::default() };
        assert_eq!(p.validate().unwrap_err().to_string(), "security_level: 6 is outside 0..=5");
        let mut p = PersonFields { name: "Ann".into(), username: Some("Ann.Lee".into()), ..Default::default() };
        p.validate().unwrap();
        assert_eq!(p.username.as_deref(), Some("ann.lee"));
    }

    proptest! {
        #[test]
        fn emails_compare_case_insensitively(local in "[a-zA-Z0-9._+-]{1,20}", domain in "[a-zA-Z0-9-]{1,20}\\.[a-zA-Z]{2,6}") {
            let email = format!("{local}@{domain}");
            let lower = normalize_email("email", &email.to_lowercase()).unwrap();
            let upper = normalize_email("email", &email.to_uppercase()).unwrap();
            prop_assert_eq!(lower, upper);
        }
    }
}
