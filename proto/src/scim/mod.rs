//! SCIM 2.0 (RFC 7643, RFC 7644): what identity providers send, parsed and checked the
//! same way wherever it is read.

pub mod filter;
