//! One module per page of the console.

pub mod access_groups;
pub mod admins;
pub mod audit;
pub mod device_users;
pub mod devices;
pub mod import;
pub mod my_account;
pub mod new_person;
pub mod not_found;
pub mod people;
pub mod people_bulk;
pub mod people_filters;
pub mod person;
pub mod person_biometrics;
pub mod person_credentials;
pub mod person_devices;
pub mod person_history;
pub mod person_login;
pub mod person_mobile;
pub mod person_photo;
pub mod person_profile;
pub mod revocations;
pub mod scim_leavers;
pub mod setup;
pub mod sign_in;
pub mod tokens;
