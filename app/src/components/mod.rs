//! Pieces shared by the pages.

pub mod field;
pub mod frame;
pub mod status_badge;
