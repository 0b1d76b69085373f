//! Types of the REST API shared by the app and the server.

pub mod pin_text;
pub mod scope;
pub mod user;

pub use pin_text::PinText;
pub use scope::Scope;
