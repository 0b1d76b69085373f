//! The device models the simulator can play, with what each supports.

use proto::gsdk::device::{CapabilityInfo, Type};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Model {
    /// Current face + fingerprint + card terminal with alphanumeric IDs.
    Biostation3,
    /// Current fingerprint + card terminal (numeric IDs).
    Biostation2a,
    /// First-generation card-only reader.
    Xpass,
}

impl Model {
    pub fn device_type(self) -> Type {
        match self {
            Model::Biostation3 => Type::Biostation3,
            Model::Biostation2a => Type::Biostation2a,
            Model::Xpass => Type::Xpass,
        }
    }

    pub fn model_name(self) -> &'static str {
        match self {
            Model::Biostation3 => "BioStation 3",
            Model::Biostation2a => "BioStation 2a",
            Model::Xpass => "Xpass",
        }
    }

    pub fn firmware(self) -> &'static str {
        match self {
            Model::Biostation3 => "1.4.0",
            Model::Biostation2a => "1.2.1",
            Model::Xpass => "2.7.3",
        }
    }

    pub fn default_capacity(self) -> u32 {
        match self {
            Model::Biostation3 | Model::Biostation2a => 500_000,
            Model::Xpass => 5_000,
        }
    }

    /// The model's capabilities; `alphanumeric_ids` is whether the site enabled them
    /// (only where the model supports them).
    pub fn capability(self, capacity: u32, alphanumeric_ids: bool) -> CapabilityInfo {
        let current = self != Model::Xpass;
        CapabilityInfo {
            r#type: self.device_type() as i32,
            max_num_of_user: capacity,
            pin_supported: current,
            card_supported: true,
            card1x_supported: false,
            seos_supported: current,
            finger_supported: matches!(self, Model::Biostation3 | Model::Biostation2a),
            face_supported: self == Model::Biostation3,
            user_name_supported: current,
            user_photo_supported: current,
            user_phrase_supported: current,
            alphanumeric_id_supported: self == Model::Biostation3 && alphanumeric_ids,
            wlan_supported: self == Model::Biostation3,
            image_log_supported: current,
            voip_supported: self == Model::Biostation3,
            tna_supported: current,
            job_code_supported: current,
            qr_supported: self == Model::Biostation3,
        }
    }
}
