//! The bridge's one table: every gateway method a browser or script may call through the
//! server, with its rule and its request type (answers pass through as they came). A
//! method missing from it is refused with PERMISSION_DENIED, whatever service it belongs to.

use super::forward::{Call, HttpRequest, HttpResponse, forward};
use crate::authz::Rule;
use proto::api::Scope;
use proto::domain::Rank;
use proto::gsdk::{card, connect, device, face, finger, user};
use std::sync::Arc;
use tonic::codegen::BoxFuture;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads a device (or asks it to scan): any admin of the site, or a token with
    /// `devices:read`.
    Read,
    /// Changes what a device holds: SUPER, or a token with `devices:write`; audited.
    Write,
}

impl Access {
    pub fn rule(self) -> Rule {
        match self {
            Access::Read => Rule::Site { rank: Rank::Admin, scope: Some(Scope::DevicesRead) },
            Access::Write => Rule::Site { rank: Rank::Super, scope: Some(Scope::DevicesWrite) },
        }
    }
}

macro_rules! bridged {
    ($($path:literal => $access:ident, $req:ty;)*) => {
        /// (gRPC path, access) for every bridged method.
        pub const TABLE: &[(&str, Access)] = &[$(($path, Access::$access),)*];

        /// The forwarding of the method at `path`, if it is bridged.
        pub(super) fn dispatch(path: &str, call: Arc<Call>, request: HttpRequest)
            -> Option<BoxFuture<HttpResponse, std::convert::Infallible>> {
            match path {
                $($path => Some(Box::pin(async move {
                    Ok(forward::<$req>(call, $path, Access::$access, request).await)
                })),)*
                _ => None,
            }
        }
    };
}

bridged! {
    "/gsdk.connect.Connect/GetDeviceList" => Read, connect::GetDeviceListRequest;
    "/gsdk.device.Device/GetInfo" => Read, device::GetInfoRequest;
    "/gsdk.device.Device/GetCapabilityInfo" => Read, device::GetCapabilityInfoRequest;
    "/gsdk.card.Card/Scan" => Read, card::ScanRequest;
    "/gsdk.finger.Finger/Scan" => Read, finger::ScanRequest;
    "/gsdk.face.Face/Scan" => Read, face::ScanRequest;
    "/gsdk.user.User/GetList" => Read, user::GetListRequest;
    "/gsdk.user.User/Get" => Read, user::GetRequest;
    "/gsdk.user.User/GetPartial" => Read, user::GetPartialRequest;
    "/gsdk.user.User/GetCard" => Read, user::GetCardRequest;
    "/gsdk.user.User/GetFinger" => Read, user::GetFingerRequest;
    "/gsdk.user.User/GetFace" => Read, user::GetFaceRequest;
    "/gsdk.user.User/GetAccessGroup" => Read, user::GetAccessGroupRequest;
    "/gsdk.user.User/GetJobCode" => Read, user::GetJobCodeRequest;
    "/gsdk.user.User/GetPINHash" => Read, user::GetPinHashRequest;
    "/gsdk.user.User/GetPINHashWithKey" => Read, user::GetPinHashWithKeyRequest;
    "/gsdk.user.User/GetStatistic" => Read, user::GetStatisticRequest;
    "/gsdk.user.User/Enroll" => Write, user::EnrollRequest;
    "/gsdk.user.User/EnrollMulti" => Write, user::EnrollMultiRequest;
    "/gsdk.user.User/Update" => Write, user::UpdateRequest;
    "/gsdk.user.User/UpdateMulti" => Write, user::UpdateMultiRequest;
    "/gsdk.user.User/Delete" => Write, user::DeleteRequest;
    "/gsdk.user.User/DeleteMulti" => Write, user::DeleteMultiRequest;
    "/gsdk.user.User/DeleteAll" => Write, user::DeleteAllRequest;
    "/gsdk.user.User/DeleteAllMulti" => Write, user::DeleteAllMultiRequest;
    "/gsdk.user.User/SetCard" => Write, user::SetCardRequest;
    "/gsdk.user.User/SetCardMulti" => Write, user::SetCardMultiRequest;
    "/gsdk.user.User/SetFinger" => Write, user::SetFingerRequest;
    "/gsdk.user.User/SetFingerMulti" => Write, user::SetFingerMultiRequest;
    "/gsdk.user.User/SetFace" => Write, user::SetFaceRequest;
    "/gsdk.user.User/SetFaceMulti" => Write, user::SetFaceMultiRequest;
    "/gsdk.user.User/SetAccessGroup" => Write, user::SetAccessGroupRequest;
    "/gsdk.user.User/SetAccessGroupMulti" => Write, user::SetAccessGroupMultiRequest;
    "/gsdk.user.User/SetJobCode" => Write, user::SetJobCodeRequest;
    "/gsdk.user.User/SetJobCodeMulti" => Write, user::SetJobCodeMultiRequest;
}
