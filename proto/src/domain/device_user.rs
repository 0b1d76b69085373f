//! The rules a device enforces on the user records it holds (GATEWAY-PROTOCOL.md, "Rules
//! the devices enforce"). The simulator applies them to every write; the server applies
//! them before anything leaves for a device.

use super::error::{FieldError, Problem, check_bytes, check_count};
use super::limits::*;
use super::text::{validate_job_code_label, validate_name};
use super::user_id::{IdKind, UserId};
use super::validity::ValidityWindow;
use crate::gsdk::card::CsnCardData;
use crate::gsdk::device::CapabilityInfo;
use crate::gsdk::face::FaceData;
use crate::gsdk::finger::FingerData;
use crate::gsdk::tna::JobCode;
use crate::gsdk::user::UserInfo;

/// What one device accepts, from its CapabilityInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceRules {
    pub id_kind: IdKind,
    pub card: bool,
    pub finger: bool,
    pub face: bool,
    pub pin: bool,
    pub photo: bool,
    pub job_code: bool,
}

impl DeviceRules {
    pub fn from_capability(cap: &CapabilityInfo) -> Self {
        Self {
            id_kind: if cap.alphanumeric_id_supported { IdKind::Alphanumeric } else { IdKind::Numeric },
            card: cap.card_supported,
            finger: cap.finger_supported,
            face: cap.face_supported,
            pin: cap.pin_supported,
            photo: cap.user_photo_supported,
            job_code: cap.job_code_supported,
        }
    }

    pub fn user_id(&self, field: &str, id: &str) -> Result<UserId, FieldError> {
        UserId::parse(field, id, self.id_kind)
    }

    /// A whole user record, as sent by Enroll and Update.
    pub fn user_info(&self, user: &UserInfo) -> Result<UserId, FieldError> {
        let id = user.hdr.as_ref().map(|h| h.id.as_str()).unwrap_or_default();
        let id = self.user_id("hdr.ID", id)?;
        validate_name("name", &user.name)?;
        if let Some(s) = &user.setting {
            ValidityWindow { start: s.start_time, end: s.end_time }.validate("setting.startTime", "setting.endTime")?;
            let level = s.security_level;
            if !(0..=5).contains(&level) {
                return Err(FieldError::new(
                    "setting.securityLevel",
                    Problem::OutOfRange { value: level.to_string(), min: "0".into(), max: "5".into() },
                ));
            }
        }
        self.cards("cards", &user.cards)?;
        self.fingers("fingers", &user.fingers)?;
        self.faces("faces", &user.faces)?;
        access_groups("accessGroupIDs", &user.access_group_i_ds)?;
        self.job_codes("jobCodes", &user.job_codes)?;
        if !user.pin.is_empty() {
            self.supports(self.pin, "PIN", "PINs")?;
            if user.pin.len() != PIN_HASH_BYTES {
                return Err(FieldError::new(
                    "PIN",
                    Problem::Invalid(format!(
                        "{} bytes; a PIN travels as its {PIN_HASH_BYTES}-byte hash from GetPINHash",
                        user.pin.len()
                    )),
                ));
            }
        }
        if !user.photo.is_empty() {
            self.supports(self.photo, "photo", "user photos")?;
            check_bytes("photo", user.photo.len(), PHOTO_MAX_BYTES)?;
        }
        Ok(id)
    }

    pub fn cards(&self, field: &str, cards: &[CsnCardData]) -> Result<(), FieldError> {
        if !cards.is_empty() {
            self.supports(self.card, field, "cards")?;
        }
        check_count(field, cards.len(), MAX_CARDS)?;
        for (i, card) in cards.iter().enumerate() {
            let at = format!("{field}[{i}].data");
            if card.data.is_empty() {
                return Err(FieldError::new(at, Problem::Missing));
            }
            check_bytes(&at, card.data.len(), CARD_DATA_MAX_BYTES)?;
        }
        Ok(())
    }

    pub fn fingers(&self, field: &str, fingers: &[FingerData]) -> Result<(), FieldError> {
        if !fingers.is_empty() {
            self.supports(self.finger, field, "fingerprints")?;
        }
        check_fingers(field, fingers)
    }

    pub fn faces(&self, field: &str, faces: &[FaceData]) -> Result<(), FieldError> {
        if !faces.is_empty() {
            self.supports(self.face, field, "faces")?;
        }
        check_faces(field, faces)
    }

    pub fn job_codes(&self, field: &str, codes: &[JobCode]) -> Result<(), FieldError> {
        if !codes.is_empty() {
            self.supports(self.job_code, field, "job codes")?;
        }
        check_count(field, codes.len(), MAX_JOB_CODES)?;
        for (i, code) in codes.iter().enumerate() {
            validate_job_code_label(&format!("{field}[{i}].label"), &code.label)?;
        }
        Ok(())
    }

    fn supports(&self, supported: bool, field: &str, what: &str) -> Result<(), FieldError> {
        if supported {
            Ok(())
        } else {
            Err(FieldError::new(field, Problem::Invalid(format!("this device does not support {what}"))))
        }
    }
}

/// At most 10 fingers, each with two templates of at most 384 bytes.
pub fn check_fingers(field: &str, fingers: &[FingerData]) -> Result<(), FieldError> {
    check_count(field, fingers.len(), MAX_FINGERS)?;
    for (i, finger) in fingers.iter().enumerate() {
        let at = format!("{field}[{i}].templates");
        if finger.templates.len() != FINGER_TEMPLATES_PER_FINGER {
            return Err(FieldError::new(
                at,
                Problem::Invalid(format!(
                    "{} given, a finger needs {FINGER_TEMPLATES_PER_FINGER}",
                    finger.templates.len()
                )),
            ));
        }
        for (t, template) in finger.templates.iter().enumerate() {
            let at = format!("{at}[{t}]");
            if template.is_empty() {
                return Err(FieldError::new(at, Problem::Missing));
            }
            check_bytes(&at, template.len(), FINGER_TEMPLATE_MAX_BYTES)?;
        }
    }
    Ok(())
}

/// At most 5 faces, each with a template or an image.
pub fn check_faces(field: &str, faces: &[FaceData]) -> Result<(), FieldError> {
    check_count(field, faces.len(), MAX_FACES)?;
    for (i, face) in faces.iter().enumerate() {
        if face.templates.is_empty() && face.image_data.is_empty() {
            return Err(FieldError::new(format!("{field}[{i}].templates"), Problem::Missing));
        }
    }
    Ok(())
}

pub fn access_groups(field: &str, ids: &[u32]) -> Result<(), FieldError> {
    check_count(field, ids.len(), MAX_ACCESS_GROUPS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gsdk::user::UserHdr;

    fn rules(alnum: bool) -> DeviceRules {
        DeviceRules {
            id_kind: if alnum { IdKind::Alphanumeric } else { IdKind::Numeric },
            card: true,
            finger: true,
            face: false,
            pin: true,
            photo: true,
            job_code: true,
        }
    }

    fn user(id: &str) -> UserInfo {
        UserInfo { hdr: Some(UserHdr { id: id.into(), ..Default::default() }), ..Default::default() }
    }

    #[test]
    fn whole_record() {
        assert!(rules(false).user_info(&user("42")).is_ok());
        assert!(rules(false).user_info(&user("ann")).unwrap_err().to_string().starts_with("hdr.ID: "));
        let mut u = user("42");
        u.cards = vec![CsnCardData { r#type: 1, size: 32, data: vec![1] }; 9];
        assert_eq!(rules(true).user_info(&u).unwrap_err().to_string(), "cards: 9 given, at most 8");
        let mut u = user("42");
        u.faces = vec![FaceData { templates: vec![vec![1]], ..Default::default() }];
        assert_eq!(rules(true).user_info(&u).unwrap_err().to_string(), "faces: this device does not support faces");
        let mut u = user("42");
        u.pin = b"1234".to_vec();
        assert!(rules(true).user_info(&u).unwrap_err().to_string().contains("32-byte hash"));
        let mut u = user("42");
        u.photo = vec![0; PHOTO_MAX_BYTES + 1];
        assert_eq!(rules(true).user_info(&u).unwrap_err().to_string(), "photo: 16385 bytes, at most 16384");
        let mut u = user("42");
        u.fingers = vec![FingerData { index: 0, flag: 0, templates: vec![vec![1; 385], vec![1; 10]] }];
        assert_eq!(
            rules(true).user_info(&u).unwrap_err().to_string(),
            "fingers[0].templates[0]: 385 bytes, at most 384"
        );
    }
}
