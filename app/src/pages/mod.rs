//! One module per page of the console.

pub mod import;
pub mod new_person;
pub mod not_found;
pub mod people;
pub mod person;
pub mod setup;
pub mod sign_in;
