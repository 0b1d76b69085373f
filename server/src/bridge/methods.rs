//! The bridge's one table: every gateway method a browser or script may call through the
//! server, with its rule and its message types. A method missing from it is refused with
//! PERMISSION_DENIED, whatever service it belongs to.

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
    ($($path:literal => $access:ident, $req:ty, $resp:ty;)*) => {
        /// (gRPC path, access) for every bridged method.
        pub const TABLE: &[(&str, Access)] = &[$(($path, Access::$access),)*];

        /// The forwarding of the method at `path`, if it is bridged.
        pub(super) fn dispatch(path: &str, call: Arc<Call>, request: HttpRequest)
            -> Option<BoxFuture<HttpResponse, std::convert::Infallible>> {
            match path {
                $($path => Some(Box::pin(async move {
                    Ok(forward::<$req, $resp>(call, $path, Access::$access, request).await)
                })),)*
                _ => None,
            }
        }
    };
}

bridged! {
    "/gsdk.connect.Connect/GetDeviceList" => Read, connect::GetDeviceListRequest, connect::GetDeviceListResponse;
    "/gsdk.device.Device/GetInfo" => Read, device::GetInfoRequest, device::GetInfoResponse;
    "/gsdk.device.Device/GetCapabilityInfo" => Read, device::GetCapabilityInfoRequest, device::GetCapabilityInfoResponse;
    "/gsdk.card.Card/Scan" => Read, card::ScanRequest, card::ScanResponse;
    "/gsdk.finger.Finger/Scan" => Read, finger::ScanRequest, finger::ScanResponse;
    "/gsdk.face.Face/Scan" => Read, face::ScanRequest, face::ScanResponse;
    "/gsdk.user.User/GetList" => Read, user::GetListRequest, user::GetListResponse;
    "/gsdk.user.User/Get" => Read, user::GetRequest, user::GetResponse;
    "/gsdk.user.User/GetPartial" => Read, user::GetPartialRequest, user::GetPartialResponse;
    "/gsdk.user.User/GetCard" => Read, user::GetCardRequest, user::GetCardResponse;
    "/gsdk.user.User/GetFinger" => Read, user::GetFingerRequest, user::GetFingerResponse;
    "/gsdk.user.User/GetFace" => Read, user::GetFaceRequest, user::GetFaceResponse;
    "/gsdk.user.User/GetAccessGroup" => Read, user::GetAccessGroupRequest, user::GetAccessGroupResponse;
    "/gsdk.user.User/GetJobCode" => Read, user::GetJobCodeRequest, user::GetJobCodeResponse;
    "/gsdk.user.User/GetPINHash" => Read, user::GetPinHashRequest, user::GetPinHashResponse;
    "/gsdk.user.User/GetPINHashWithKey" => Read, user::GetPinHashWithKeyRequest, user::GetPinHashResponse;
    "/gsdk.user.User/GetStatistic" => Read, user::GetStatisticRequest, user::GetStatisticResponse;
    "/gsdk.user.User/Enroll" => Write, user::EnrollRequest, user::EnrollResponse;
    "/gsdk.user.User/EnrollMulti" => Write, user::EnrollMultiRequest, user::EnrollMultiResponse;
    "/gsdk.user.User/Update" => Write, user::UpdateRequest, user::UpdateResponse;
    "/gsdk.user.User/UpdateMulti" => Write, user::UpdateMultiRequest, user::UpdateMultiResponse;
    "/gsdk.user.User/Delete" => Write, user::DeleteRequest, user::DeleteResponse;
    "/gsdk.user.User/DeleteMulti" => Write, user::DeleteMultiRequest, user::DeleteMultiResponse;
    "/gsdk.user.User/DeleteAll" => Write, user::DeleteAllRequest, user::DeleteAllResponse;
    "/gsdk.user.User/DeleteAllMulti" => Write, user::DeleteAllMultiRequest, user::DeleteAllMultiResponse;
    "/gsdk.user.User/SetCard" => Write, user::SetCardRequest, user::SetCardResponse;
    "/gsdk.user.User/SetCardMulti" => Write, user::SetCardMultiRequest, user::SetCardMultiResponse;
    "/gsdk.user.User/SetFinger" => Write, user::SetFingerRequest, user::SetFingerResponse;
    "/gsdk.user.User/SetFingerMulti" => Write, user::SetFingerMultiRequest, user::SetFingerMultiResponse;
    "/gsdk.user.User/SetFace" => Write, user::SetFaceRequest, user::SetFaceResponse;
    "/gsdk.user.User/SetFaceMulti" => Write, user::SetFaceMultiRequest, user::SetFaceMultiResponse;
    "/gsdk.user.User/SetAccessGroup" => Write, user::SetAccessGroupRequest, user::SetAccessGroupResponse;
    "/gsdk.user.User/SetAccessGroupMulti" => Write, user::SetAccessGroupMultiRequest, user::SetAccessGroupMultiResponse;
    "/gsdk.user.User/SetJobCode" => Write, user::SetJobCodeRequest, user::SetJobCodeResponse;
    "/gsdk.user.User/SetJobCodeMulti" => Write, user::SetJobCodeMultiRequest, user::SetJobCodeMultiResponse;
}
