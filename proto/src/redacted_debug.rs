//! Hand-written `Debug` for messages that carry a PIN or biometric templates: sizes are
//! shown, contents never are, so a logged request cannot leak a secret.

use crate::gsdk::{face, finger, user};
use std::fmt;

struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted {} bytes>", self.0)
    }
}

fn sizes(items: &[Vec<u8>]) -> Vec<Redacted> {
    items.iter().map(|t| Redacted(t.len())).collect()
}

impl fmt::Debug for user::GetPinHashRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetPinHashRequest").field("pin", &Redacted(self.pin.len())).finish()
    }
}

impl fmt::Debug for user::GetPinHashWithKeyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetPinHashWithKeyRequest")
            .field("pin", &Redacted(self.pin.len()))
            .field("hash_key", &Redacted(self.hash_key.len()))
            .finish()
    }
}

impl fmt::Debug for finger::FingerData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FingerData")
            .field("index", &self.index)
            .field("flag", &self.flag)
            .field("templates", &sizes(&self.templates))
            .finish()
    }
}

impl fmt::Debug for finger::ScanResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanResponse")
            .field("template_data", &Redacted(self.template_data.len()))
            .field("quality_score", &self.quality_score)
            .finish()
    }
}

impl fmt::Debug for face::FaceData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaceData")
            .field("index", &self.index)
            .field("flag", &self.flag)
            .field("templates", &sizes(&self.templates))
            .field("image_data", &Redacted(self.image_data.len()))
            .field("ir_templates", &sizes(&self.ir_templates))
            .field("ir_image_data", &Redacted(self.ir_image_data.len()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_and_templates_never_print() {
        let req = user::GetPinHashRequest { pin: "739184".into() };
        let shown = format!("{req:?}");
        assert!(!shown.contains("739184"), "{shown}");
        assert!(shown.contains("<redacted 6 bytes>"), "{shown}");

        let finger = finger::FingerData { index: 1, flag: 0, templates: vec![vec![0xAB; 384]] };
        let shown = format!("{finger:?}");
        assert!(!shown.contains("171"), "template bytes leaked: {shown}");
        assert!(shown.contains("<redacted 384 bytes>"), "{shown}");
    }
}
