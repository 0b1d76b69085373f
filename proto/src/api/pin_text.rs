//! A PIN in clear on its way in (a request) or out (the one response that shows a random
//! PIN): serialized as the plain string, but its `Debug` never shows the digits, so a
//! logged request or response cannot leak it.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PinText(String);

impl PinText {
    pub fn new(pin: impl Into<String>) -> Self {
        Self(pin.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PinText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinText(<redacted>)")
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for PinText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("4 to 16 digits (or `******` in a request for a random PIN)"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for PinText {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_digits() {
        assert!(!format!("{:?}", Some(PinText::new("739184"))).contains("739184"));
    }
}
