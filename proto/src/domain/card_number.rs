//! Card numbers: typed by people as decimal or hex strings, held by devices as bytes.
//!
//! - `0x…` (or any string with a hex letter) is hex; a string of digits is decimal.
//! - The text is kept as typed (leading zeros included; hex upper-cased behind `0x`).
//! - Hex keeps its leading zero bytes in the device data (`0x00AB` is two bytes);
//!   decimal becomes the value's big-endian bytes.
//! - Two numbers are the same card when their values are equal ([`CardNumber::key`]),
//!   so `43981` and `0x0000ABCD` collide for uniqueness.

use super::error::{FieldError, Problem, Unit};
use super::limits::{CARD_DATA_MAX_BYTES, CARD_DATA_SIZE};
use crate::gsdk::card::{CsnCardData, Type};
use serde::{Deserialize, Serialize};

/// A normalised card number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardNumber {
    text: String,
    data: Vec<u8>,
}

/// Decimal digits that always fit in 32 bytes (10^77 < 2^256).
const MAX_DECIMAL_DIGITS: usize = 77;
const MAX_HEX_DIGITS: usize = CARD_DATA_MAX_BYTES * 2;

impl CardNumber {
    pub fn parse(field: &str, input: &str) -> Result<Self, FieldError> {
        let err = |problem| Err(FieldError::new(field, problem));
        let s = input.trim();
        if s.is_empty() {
            return err(Problem::Missing);
        }
        let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"));
        let card = if let Some(digits) = hex {
            Self::from_hex(field, digits)?
        } else if s.bytes().all(|b| b.is_ascii_digit()) {
            Self::from_decimal(field, s)?
        } else if s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Self::from_hex(field, s)?
        } else {
            // The value is not echoed: a mistyped card number is still a credential.
            return err(Problem::Invalid(
                "neither a decimal nor a hex card number (digits, or 0x and hex digits)".into(),
            ));
        };
        if card.data.iter().all(|b| *b == 0) {
            return err(Problem::Invalid("card number 0 is not a card".into()));
        }
        Ok(card)
    }

    /// A card read by a device (e.g. Card.Scan): shown as hex so every byte is kept.
    pub fn from_data(field: &str, data: &[u8]) -> Result<Self, FieldError> {
        if data.len() > CARD_DATA_MAX_BYTES {
            return Err(FieldError::new(
                field,
                Problem::TooLong { len: data.len(), max: CARD_DATA_MAX_BYTES, unit: Unit::Bytes },
            ));
        }
        let hex: String = data.iter().map(|b| format!("{b:02X}")).collect();
        Self::parse(field, &format!("0x{hex}"))
    }

    fn from_hex(field: &str, digits: &str) -> Result<Self, FieldError> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(FieldError::new(field, Problem::Invalid("after 0x, one or more hex digits".into())));
        }
        if digits.len() > MAX_HEX_DIGITS {
            let len = digits.len();
            return Err(FieldError::new(field, Problem::TooLong { len, max: MAX_HEX_DIGITS, unit: Unit::Digits }));
        }
        let upper = digits.to_ascii_uppercase();
        // An odd count gets one leading zero nibble; every typed leading zero byte stays.
        let padded = if upper.len() % 2 == 1 { format!("0{upper}") } else { upper.clone() };
        let data = padded.as_bytes().chunks(2).map(|pair| (nibble(pair[0]) << 4) | nibble(pair[1])).collect();
        Ok(Self { text: format!("0x{upper}"), data })
    }

    fn from_decimal(field: &str, digits: &str) -> Result<Self, FieldError> {
        if digits.len() > MAX_DECIMAL_DIGITS {
            let len = digits.len();
            return Err(FieldError::new(field, Problem::TooLong { len, max: MAX_DECIMAL_DIGITS, unit: Unit::Digits }));
        }
        // Big-endian base conversion: multiply by 10 and add each digit.
        let mut data: Vec<u8> = vec![0];
        for d in digits.bytes() {
            let mut carry = u16::from(d - b'0');
            for byte in data.iter_mut().rev() {
                let v = u16::from(*byte) * 10 + carry;
                *byte = (v & 0xFF) as u8;
                carry = v >> 8;
            }
            if carry > 0 {
                data.insert(0, carry as u8);
            }
        }
        if data.len() > CARD_DATA_MAX_BYTES {
            let len = data.len();
            return Err(FieldError::new(field, Problem::TooLong { len, max: CARD_DATA_MAX_BYTES, unit: Unit::Bytes }));
        }
        Ok(Self { text: digits.to_owned(), data })
    }

    /// The number as typed (hex normalised to `0x` + upper case).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The bytes the devices hold.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The card's identity for uniqueness: its value, without leading zero bytes.
    pub fn key(&self) -> &[u8] {
        let first = self.data.iter().position(|b| *b != 0).unwrap_or(self.data.len());
        &self.data[first..]
    }

    /// The device record of this card (type CSN unless another is given).
    pub fn to_csn_card_data(&self, card_type: Type) -> CsnCardData {
        CsnCardData { r#type: card_type as i32, size: CARD_DATA_SIZE, data: self.data.clone() }
    }
}

fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0, // callers pass upper-case hex digits only
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decimal_and_hex() {
        let d = CardNumber::parse("card", "00012345").unwrap();
        assert_eq!(d.text(), "00012345");
        assert_eq!(d.data(), &[0x30, 0x39]);
        let h = CardNumber::parse("card", "0x00003039").unwrap();
        assert_eq!(h.text(), "0x00003039");
        assert_eq!(h.data(), &[0, 0, 0x30, 0x39]);
        assert_eq!(d.key(), h.key());
        let bare = CardNumber::parse("card", "04a1b2c3").unwrap();
        assert_eq!(bare.text(), "0x04A1B2C3", "a hex letter makes it hex");
        assert_eq!(bare.data(), &[0x04, 0xA1, 0xB2, 0xC3]);
        let lettered = CardNumber::parse("card", "4a1b2c3").unwrap();
        assert_eq!(lettered.text(), "0x4A1B2C3");
        assert_eq!(lettered.data(), &[0x04, 0xA1, 0xB2, 0xC3]);
        assert!(CardNumber::parse("card", "0").is_err());
        assert!(CardNumber::parse("card", "12-34").unwrap_err().to_string().starts_with("card: "));
        assert_eq!(
            CardNumber::parse("card", &format!("0x{}", "A".repeat(65))).unwrap_err().to_string(),
            "card: 65 digits, at most 64"
        );
    }

    proptest! {
        #[test]
        fn decimal_value_round_trips(v in 1u128..) {
            let card = CardNumber::parse("card", &v.to_string()).unwrap();
            let mut be = [0u8; 16];
            be[16 - card.key().len()..].copy_from_slice(card.key());
            prop_assert_eq!(u128::from_be_bytes(be), v);
        }

        #[test]
        fn leading_zeros_are_kept(zeros in 0usize..6, v in 1u64..) {
            let text = format!("{}{v}", "0".repeat(zeros));
            let card = CardNumber::parse("card", &text).unwrap();
            prop_assert_eq!(card.text(), text.as_str());
            let hex = format!("0x{}{:X}", "00".repeat(zeros), v);
            let hex_card = CardNumber::parse("card", &hex).unwrap();
            prop_assert!(hex_card.data().len() >= zeros);
            prop_assert!(hex_card.data()[..zeros].iter().all(|b| *b == 0));
            prop_assert_eq!(card.key(), hex_card.key());
        }

        #[test]
        fn scanned_data_round_trips(data in proptest::collection::vec(any::<u8>(), 1..=32)) {
            prop_assume!(data.iter().any(|b| *b != 0));
            let card = CardNumber::from_data("card", &data).unwrap();
            prop_assert_eq!(card.data(), data.as_slice());
            let again = CardNumber::parse("card", card.text()).unwrap();
            prop_assert_eq!(again, card);
        }

        #[test]
        fn garbage_never_panics(s in "\\PC{0,80}") {
            let _ = CardNumber::parse("card", &s);
        }
    }
}
