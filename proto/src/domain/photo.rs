//! User photos: at most 16 KiB of JPEG or PNG, recognised by their bytes (never by a
//! name or a declared type), and never fetched from a URL.

use super::error::{FieldError, Problem, check_bytes};
use super::limits::PHOTO_MAX_BYTES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    Jpeg,
    Png,
}

impl PhotoKind {
    pub fn content_type(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
        }
    }
}

const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// What a photo is, if it is an allowed one.
pub fn check_photo(field: &str, bytes: &[u8]) -> Result<PhotoKind, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new(field, Problem::Missing));
    }
    check_bytes(field, bytes.len(), PHOTO_MAX_BYTES)?;
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(PhotoKind::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Ok(PhotoKind::Png)
    } else {
        Err(FieldError::new(field, Problem::Invalid("is neither a JPEG nor a PNG image".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_bytes_and_size() {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        jpeg.extend([0xFF, 0xD9]);
        assert_eq!(check_photo("photo", &jpeg).unwrap(), PhotoKind::Jpeg);
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend([0; 20]);
        assert_eq!(check_photo("photo", &png).unwrap(), PhotoKind::Png);
        assert!(check_photo("photo", b"GIF89a....").unwrap_err().to_string().contains("neither a JPEG nor a PNG"));
        let mut big = PNG_SIGNATURE.to_vec();
        big.resize(PHOTO_MAX_BYTES + 1, 0);
        assert_eq!(check_photo("photo", &big).unwrap_err().to_string(), "photo: 16385 bytes, at most 16384");
    }
}
