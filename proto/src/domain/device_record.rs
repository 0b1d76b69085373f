//! A person as a device holds them: the `UserInfo` the sync worker sends, built from the
//! directory's record and fitted to one device. Credentials decide who opens a door, so a
//! credential the device cannot hold is an error for that device and person, never dropped
//! quietly; a photo or job codes (display and time-and-attendance only) are left out where
//! the device has no place for them.

use super::device_user::DeviceRules;
use super::error::FieldError;
use super::person::{AuthModes, JobCodeEntry};
use crate::gsdk::card::CsnCardData;
use crate::gsdk::face::FaceData;
use crate::gsdk::finger::FingerData;
use crate::gsdk::tna::JobCode;
use crate::gsdk::user::{UserHdr, UserInfo, UserSetting};

/// Everything of a person that a device holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceRecord {
    pub user_id: String,
    pub name: String,
    /// Unix seconds, 0 = no limit.
    pub start_time: u32,
    pub end_time: u32,
    pub security_level: u8,
    /// None: the device's own settings decide.
    pub auth_modes: Option<AuthModes>,
    pub cards: Vec<CsnCardData>,
    pub fingers: Vec<FingerData>,
    pub faces: Vec<FaceData>,
    pub access_groups: Vec<u32>,
    pub job_codes: Vec<JobCodeEntry>,
    /// The gateway's 32-byte hash.
    pub pin_hash: Option<Vec<u8>>,
    pub photo: Option<Vec<u8>>,
}

impl DeviceRecord {
    /// The record this device gets, checked against its rules (the same checks the device
    /// makes), or the first rule it breaks.
    pub fn for_device(&self, rules: &DeviceRules) -> Result<UserInfo, FieldError> {
        let modes = self.auth_modes.unwrap_or(AuthModes {
            biometric: AuthModes::DEVICE_DEFAULT,
            card: AuthModes::DEVICE_DEFAULT,
            id: AuthModes::DEVICE_DEFAULT,
        });
        let none = u32::from(AuthModes::DEVICE_DEFAULT);
        let info = UserInfo {
            hdr: Some(UserHdr {
                id: self.user_id.clone(),
                num_of_card: self.cards.len() as i32,
                num_of_finger: self.fingers.len() as i32,
                num_of_face: self.faces.len() as i32,
                ..Default::default()
            }),
            setting: Some(UserSetting {
                start_time: self.start_time,
                end_time: self.end_time,
                biometric_auth_mode: u32::from(modes.biometric),
                card_auth_mode: u32::from(modes.card),
                id_auth_mode: u32::from(modes.id),
                security_level: i32::from(self.security_level),
                face_auth_ext_mode: none,
                finger_auth_ext_mode: none,
                card_auth_ext_mode: none,
                id_auth_ext_mode: none,
            }),
            name: self.name.clone(),
            cards: self.cards.clone(),
            fingers: self.fingers.clone(),
            faces: self.faces.clone(),
            access_group_i_ds: self.access_groups.clone(),
            job_codes: if rules.job_code {
                self.job_codes.iter().map(|j| JobCode { code: j.code, label: j.label.clone() }).collect()
            } else {
                Vec::new()
            },
            pin: self.pin_hash.clone().unwrap_or_default(),
            photo: if rules.photo { self.photo.clone().unwrap_or_default() } else { Vec::new() },
        };
        rules.user_info(&info)?;
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::user_id::IdKind;

    fn rules() -> DeviceRules {
        DeviceRules {
            id_kind: IdKind::Numeric,
            card: true,
            finger: true,
            face: false,
            pin: true,
            photo: false,
            job_code: false,
        }
    }

    #[test]
    fn a_record_fits_the_device_or_names_what_it_cannot_hold() {
        let mut r = DeviceRecord {
            user_id: "42".into(),
            name: "Ann Lee".into(),
            photo: Some(vec![1, 2, 3]),
            job_codes: vec![JobCodeEntry { code: 7, label: "Night".into() }],
            ..Default::default()
        };
        let info = r.for_device(&rules()).unwrap();
        assert_eq!(info.hdr.unwrap().id, "42");
        assert!(info.photo.is_empty() && info.job_codes.is_empty(), "left out where the device has no place");
        let setting = info.setting.unwrap();
        assert_eq!(setting.card_auth_mode, 0xFF, "no modes: the device decides");

        r.faces = vec![FaceData { templates: vec![vec![1; 8]], ..Default::default() }];
        let e = r.for_device(&rules()).unwrap_err();
        assert!(e.to_string().contains("faces"), "{e}");

        r.faces.clear();
        r.user_id = "ann".into();
        let e = r.for_device(&rules()).unwrap_err();
        assert!(e.to_string().contains("hdr.ID"), "{e}");
    }
}
