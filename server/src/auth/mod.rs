//! Who is calling: passwords, sessions, bearer tokens, throttling.

pub mod api_token;
pub mod caller;
pub mod logins;
pub mod password;
pub mod secret;
pub mod session;
pub mod sign_in;
pub mod throttle;
