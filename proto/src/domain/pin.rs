//! PINs: Lintel's policy (4-16 digits) and the device's input rule (1-16 bytes).
//! A PIN only ever leaves this type as the argument of the gateway's GetPINHash.

use super::error::{FieldError, Problem, Unit};
use super::limits::{DEVICE_PIN_MAX_BYTES, PIN_MAX_DIGITS, PIN_MIN_DIGITS};
use std::fmt;

/// Asks the server for a random PIN, unique in the site, returned once.
pub const RANDOM_PIN_REQUEST: &str = "******";

/// A PIN that passed Lintel's policy. Its `Debug` never shows the digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    pub fn parse(field: &str, pin: &str) -> Result<Self, FieldError> {
        let err = |problem| Err(FieldError::new(field, problem));
        if pin.is_empty() {
            return err(Problem::Missing);
        }
        if !pin.bytes().all(|b| b.is_ascii_digit()) {
            return err(Problem::Invalid("must be digits only".into()));
        }
        let len = pin.len();
        if len < PIN_MIN_DIGITS {
            return err(Problem::TooShort { len, min: PIN_MIN_DIGITS, unit: Unit::Digits });
        }
        if len > PIN_MAX_DIGITS {
            return err(Problem::TooLong { len, max: PIN_MAX_DIGITS, unit: Unit::Digits });
        }
        Ok(Self(pin.to_owned()))
    }

    /// The digits, for the GetPINHash request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

/// The device's rule for the plain text of GetPINHash: 1 to 16 bytes.
pub fn validate_device_pin(field: &str, pin: &str) -> Result<(), FieldError> {
    if pin.is_empty() {
        return Err(FieldError::new(field, Problem::Missing));
    }
    if pin.len() > DEVICE_PIN_MAX_BYTES {
        let len = pin.len();
        return Err(FieldError::new(field, Problem::TooLong { len, max: DEVICE_PIN_MAX_BYTES, unit: Unit::Bytes }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn policy() {
        assert!(Pin::parse("pin", "739184").is_ok());
        assert_eq!(Pin::parse("pin", "123").unwrap_err().to_string(), "pin: 3 digits, at least 4");
        assert_eq!(Pin::parse("pin", "12345678901234567").unwrap_err().to_string(), "pin: 17 digits, at most 16");
        assert!(Pin::parse("pin", "12a4").is_err());
        assert!(Pin::parse("pin", RANDOM_PIN_REQUEST).is_err());
        assert_eq!(format!("{:?}", Pin::parse("pin", "739184").unwrap()), "Pin(<redacted>)");
    }

    proptest! {
        #[test]
        fn digit_strings_4_to_16_pass(pin in "[0-9]{4,16}") {
            prop_assert!(Pin::parse("pin", &pin).is_ok());
            prop_assert!(validate_device_pin("pin", &pin).is_ok());
        }
    }
}
