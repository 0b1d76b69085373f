//! Secrets in clear on their way in (a request) or out (the one response that shows a
//! random PIN): serialized as the plain string, but their `Debug` never shows them, so a
//! logged request or response cannot leak one.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! secret_text {
    ($(#[$doc:meta])* $name:ident, $schema_description:literal) => {
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(text: impl Into<String>) -> Self {
                Self(text.into())
            }

            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(<redacted>)", stringify!($name))
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some($schema_description))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

secret_text!(
    /// A PIN: 4 to 16 digits, or `******` in a request for a random one.
    PinText,
    "4 to 16 digits (or `******` in a request for a random PIN)"
);

secret_text!(
    /// A password on its way to be checked or hashed (12 to 128 characters).
    Password,
    "12 to 128 characters; never shown again"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", Some(PinText::new("739184"))).contains("739184"));
        assert!(!format!("{:?}", Password::new("correct horse")).contains("horse"));
    }
}
