//! One test binary for the server: the real server in-process on 127.0.0.1:0, over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod harness;

mod admins;
mod api_tokens;
mod app_files;
mod authorization;
#[cfg(not(feature = "postgres"))] // SQLite files; PostgreSQL has pg_dump
mod backup;
mod biostar_login;
mod bootstrap;
mod bridge;
mod credentials;
mod edge;
mod gateway_tls;
mod hardening;
mod https;
mod import_export;
mod lifecycle;
mod listing;
mod openapi;
mod scim;
mod scim_groups;
mod secrets;
mod sessions;
mod shutdown;
mod sync;
mod sync_faults;
mod throttling;
mod users;
