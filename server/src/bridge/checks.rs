//! What the bridge reads out of each forwarded request before it leaves: the devices it
//! names (which must be the caller's site's), the domain rules it must meet on each of them
//! (`proto::domain`, the same rules the sync applies and the simulator enforces), and the
//! user IDs it touches (for the audit).

use proto::domain::{DeviceRules, FieldError, Problem};
use proto::gsdk::{card, connect, device, face, finger, user};

pub trait Bridged: prost::Message + Default + Send + Sync + 'static {
    /// The request's device field and the devices it names.
    fn devices(&self) -> (&'static str, Vec<u32>);
    /// Rules that hold whatever the device (a PIN's length, a non-empty device list).
    fn check(&self) -> Result<(), FieldError> {
        let (field, devices) = self.devices();
        if field == "deviceIDs" && devices.is_empty() {
            return Err(FieldError::new(field, Problem::Missing));
        }
        Ok(())
    }
    /// Rules that depend on a device's model (ID kind, which credentials it takes).
    fn check_for(&self, _device: &DeviceRules) -> Result<(), FieldError> {
        Ok(())
    }
    /// The user IDs it touches, for the audit.
    fn users(&self) -> Vec<String> {
        Vec::new()
    }
}

fn check_user_ids(rules: &DeviceRules, ids: &[String]) -> Result<(), FieldError> {
    for (i, id) in ids.iter().enumerate() {
        rules.user_id(&format!("userIDs[{i}]"), id)?;
    }
    Ok(())
}

fn check_users(rules: &DeviceRules, users: &[user::UserInfo]) -> Result<(), FieldError> {
    for (i, u) in users.iter().enumerate() {
        rules.user_info(u).map_err(|e| e.within(format_args!("users[{i}]")))?;
    }
    Ok(())
}

fn user_info_ids(users: &[user::UserInfo]) -> Vec<String> {
    users.iter().map(|u| u.hdr.as_ref().map(|h| h.id.clone()).unwrap_or_default()).collect()
}

/// No device at all.
macro_rules! no_device {
    ($($t:ty),*) => {$(
        impl Bridged for $t {
            fn devices(&self) -> (&'static str, Vec<u32>) {
                ("", Vec::new())
            }
        }
    )*};
}

/// One device, nothing else to check.
macro_rules! one_device {
    ($($t:ty),*) => {$(
        impl Bridged for $t {
            fn devices(&self) -> (&'static str, Vec<u32>) {
                ("deviceID", vec![self.device_id])
            }
        }
    )*};
}

/// One device (`deviceID`) or several (`deviceIDs`), and a list of user IDs.
macro_rules! user_ids {
    ($($t:ty => $devices:ident),*) => {$(
        impl Bridged for $t {
            fn devices(&self) -> (&'static str, Vec<u32>) {
                user_ids!(@devices self $devices)
            }
            fn check_for(&self, rules: &DeviceRules) -> Result<(), FieldError> {
                check_user_ids(rules, &self.user_i_ds)
            }
            fn users(&self) -> Vec<String> {
                self.user_i_ds.clone()
            }
        }
    )*};
    (@devices $s:ident one) => { ("deviceID", vec![$s.device_id]) };
    (@devices $s:ident many) => { ("deviceIDs", $s.device_i_ds.clone()) };
}

/// Whole user records (Enroll, Update).
macro_rules! user_infos {
    ($($t:ty => $devices:ident),*) => {$(
        impl Bridged for $t {
            fn devices(&self) -> (&'static str, Vec<u32>) {
                user_ids!(@devices self $devices)
            }
            fn check_for(&self, rules: &DeviceRules) -> Result<(), FieldError> {
                check_users(rules, &self.users)
            }
            fn users(&self) -> Vec<String> {
                user_info_ids(&self.users)
            }
        }
    )*};
}

/// One credential list per user (`SetCard`, `SetFinger`, …): `$list` of items that hold
/// `userID` and `$items`, checked by `$check`.
macro_rules! per_user {
    ($($t:ty => $devices:ident, $list:ident, $items:ident, $check:expr),*) => {$(
        impl Bridged for $t {
            fn devices(&self) -> (&'static str, Vec<u32>) {
                user_ids!(@devices self $devices)
            }
            fn check_for(&self, rules: &DeviceRules) -> Result<(), FieldError> {
                let check: fn(&DeviceRules, &str, &[_]) -> Result<(), FieldError> = $check;
                for (i, entry) in self.$list.iter().enumerate() {
                    let at = format!("{}[{i}]", stringify!($list));
                    rules.user_id("userID", &entry.user_id).map_err(|e| e.within(&at))?;
                    check(rules, stringify!($items), &entry.$items).map_err(|e| e.within(&at))?;
                }
                Ok(())
            }
            fn users(&self) -> Vec<String> {
                self.$list.iter().map(|e| e.user_id.clone()).collect()
            }
        }
    )*};
}

no_device!(connect::GetDeviceListRequest);
one_device!(
    user::GetListRequest,
    user::DeleteAllRequest,
    user::GetStatisticRequest,
    device::GetInfoRequest,
    device::GetCapabilityInfoRequest,
    card::ScanRequest,
    finger::ScanRequest,
    face::ScanRequest
);

impl Bridged for user::DeleteAllMultiRequest {
    fn devices(&self) -> (&'static str, Vec<u32>) {
        ("deviceIDs", self.device_i_ds.clone())
    }
}

user_ids!(
    user::GetRequest => one,
    user::GetPartialRequest => one,
    user::DeleteRequest => one,
    user::DeleteMultiRequest => many,
    user::GetCardRequest => one,
    user::GetFingerRequest => one,
    user::GetFaceRequest => one,
    user::GetAccessGroupRequest => one,
    user::GetJobCodeRequest => one
);

user_infos!(
    user::EnrollRequest => one,
    user::EnrollMultiRequest => many,
    user::UpdateRequest => one,
    user::UpdateMultiRequest => many
);

per_user!(
    user::SetCardRequest => one, user_cards, cards, |r, f, c| r.cards(f, c),
    user::SetCardMultiRequest => many, user_cards, cards, |r, f, c| r.cards(f, c),
    user::SetFingerRequest => one, user_fingers, fingers, |r, f, c| r.fingers(f, c),
    user::SetFingerMultiRequest => many, user_fingers, fingers, |r, f, c| r.fingers(f, c),
    user::SetFaceRequest => one, user_faces, faces, |r, f, c| r.faces(f, c),
    user::SetFaceMultiRequest => many, user_faces, faces, |r, f, c| r.faces(f, c),
    user::SetAccessGroupRequest => one, user_access_groups, access_group_i_ds, |_, f, c| proto::domain::device_user::access_groups(f, c),
    user::SetAccessGroupMultiRequest => many, user_access_groups, access_group_i_ds, |_, f, c| proto::domain::device_user::access_groups(f, c),
    user::SetJobCodeRequest => one, user_job_codes, job_codes, |r, f, c| r.job_codes(f, c),
    user::SetJobCodeMultiRequest => many, user_job_codes, job_codes, |r, f, c| r.job_codes(f, c)
);

impl Bridged for user::GetPinHashRequest {
    fn devices(&self) -> (&'static str, Vec<u32>) {
        ("", Vec::new())
    }
    fn check(&self) -> Result<(), FieldError> {
        proto::domain::pin::validate_device_pin("PIN", &self.pin)
    }
}

impl Bridged for user::GetPinHashWithKeyRequest {
    fn devices(&self) -> (&'static str, Vec<u32>) {
        ("", Vec::new())
    }
    fn check(&self) -> Result<(), FieldError> {
        proto::domain::pin::validate_device_pin("PIN", &self.pin)
    }
}
