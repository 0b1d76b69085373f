//! Types of the REST API shared by the app and the server.

pub mod scope;
pub mod user;

pub use scope::Scope;
