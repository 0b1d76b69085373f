//! Pieces shared by the pages.

pub mod confirm;
pub mod deferred;
pub mod dialog_focus;
pub mod field;
pub mod frame;
pub mod loaded;
pub mod outcome;
pub mod secret_once;
pub mod status_badge;
pub mod when;
