//! The user and credential rules of Lintel, shared by the app, the server and the gateway
//! simulator. Every violation is a [`FieldError`] naming the field, the size and the limit.

pub mod access_group;
pub mod card_number;
pub mod device_record;
pub mod device_user;
pub mod error;
pub mod lifecycle;
pub mod limits;
pub mod password;
pub mod person;
pub mod photo;
pub mod pin;
pub mod rank;
pub mod text;
pub mod user_id;
pub mod username;
pub mod validity;

pub use card_number::CardNumber;
pub use device_record::DeviceRecord;
pub use device_user::DeviceRules;
pub use error::{FieldError, Problem, Unit};
pub use lifecycle::{Action, Status, Transition, TransitionRefused};
pub use person::{AuthModes, JobCodeEntry, PersonFields, Tag};
pub use pin::Pin;
pub use rank::Rank;
pub use user_id::{IdKind, UserId};
pub use validity::ValidityWindow;
