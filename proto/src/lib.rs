//! Lintel's common crate.
//!
//! - [`gsdk`]: the device gateway's protobuf messages (BioStar G-SDK v1.8.0 wire format),
//!   with tonic clients and servers under the `grpc` feature.
//! - [`domain`]: the user and credential rules shared by the app, the server and the
//!   gateway simulator. A limit is defined here once.
//! - [`scim`]: SCIM 2.0 filters and PATCH paths, as identity providers send them.

pub mod api;
pub mod domain;
pub mod grpc_web;
pub mod multi_error;
mod redacted_debug;
pub mod scim;

/// The gateway's messages and services, one module per protobuf package.
#[allow(clippy::all, missing_docs)]
pub mod gsdk {
    pub mod err {
        include!(concat!(env!("OUT_DIR"), "/gsdk.err.rs"));
    }
    pub mod card {
        include!(concat!(env!("OUT_DIR"), "/gsdk.card.rs"));
    }
    pub mod finger {
        include!(concat!(env!("OUT_DIR"), "/gsdk.finger.rs"));
    }
    pub mod face {
        include!(concat!(env!("OUT_DIR"), "/gsdk.face.rs"));
    }
    pub mod tna {
        include!(concat!(env!("OUT_DIR"), "/gsdk.tna.rs"));
    }
    pub mod auth {
        include!(concat!(env!("OUT_DIR"), "/gsdk.auth.rs"));
    }
    pub mod user {
        include!(concat!(env!("OUT_DIR"), "/gsdk.user.rs"));
    }
    pub mod device {
        include!(concat!(env!("OUT_DIR"), "/gsdk.device.rs"));
    }
    pub mod connect {
        include!(concat!(env!("OUT_DIR"), "/gsdk.connect.rs"));
    }
}

/// `google.rpc.Status`, the payload of the `grpc-status-details-bin` trailer.
#[allow(clippy::all, missing_docs)]
pub mod google_rpc {
    include!(concat!(env!("OUT_DIR"), "/google.rpc.rs"));
}

/// Lintel's own control service for the gateway simulator.
#[allow(clippy::all, missing_docs)]
pub mod sim_control {
    include!(concat!(env!("OUT_DIR"), "/lintel.sim.rs"));
}

/// The encoded `FileDescriptorSet` of every `.proto` file above (for wire-fact tests and
/// reflection).
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptor.bin"));
