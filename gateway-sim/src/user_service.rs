//! `gsdk.user.User`: every RPC of the vendor's User API, on the simulated devices.

use crate::pin_hash::hash_with_key;
use crate::simulator::Simulator;
use proto::domain::pin::validate_device_pin;
use proto::gsdk::card::CsnCardData;
use proto::gsdk::face::FaceData;
use proto::gsdk::finger::FingerData;
use proto::gsdk::tna::JobCode;
use proto::gsdk::user::user_server::User;
use proto::gsdk::user::*;
use std::sync::Arc;
use tonic::{Request, Response, Status};

type Answer<T> = Result<Response<T>, Status>;

pub struct UserService(pub Arc<Simulator>);

fn ok<T>(message: T) -> Answer<T> {
    Ok(Response::new(message))
}

fn user_id(user: &UserInfo) -> String {
    user.hdr.as_ref().map(|h| h.id.clone()).unwrap_or_default()
}

/// Pairs of (user ID, part) for the Set… calls.
fn parts<T, P>(items: Vec<T>, split: impl Fn(T) -> (String, P)) -> Arc<Vec<(String, P)>> {
    Arc::new(items.into_iter().map(split).collect())
}

impl UserService {
    async fn set_one<P: Clone + Send + Sync + 'static>(
        &self,
        device_id: u32,
        entries: Arc<Vec<(String, P)>>,
        set: fn(&mut UserInfo, P),
    ) -> Result<(), Status> {
        self.0.on_device(device_id, move |d| d.set_part(&entries, set)).await
    }

    async fn set_multi<P: Clone + Send + Sync + 'static>(
        &self,
        method: &str,
        device_ids: &[u32],
        entries: Arc<Vec<(String, P)>>,
        set: fn(&mut UserInfo, P),
    ) -> Result<(), Status> {
        self.0.on_devices(method, device_ids, move |d| d.set_part(&entries, set)).await
    }

    /// Reads users and projects one part of each.
    async fn get_part<T: Send + 'static>(
        &self,
        device_id: u32,
        ids: Vec<String>,
        mask: InfoMask,
        project: fn(UserInfo) -> T,
    ) -> Result<Vec<T>, Status> {
        let users = self.0.on_device(device_id, move |d| d.get(&ids, mask as u32)).await?;
        Ok(users.into_iter().map(project).collect())
    }
}

fn set_cards(u: &mut UserInfo, cards: Vec<CsnCardData>) {
    u.cards = cards;
}
fn set_fingers(u: &mut UserInfo, fingers: Vec<FingerData>) {
    u.fingers = fingers;
}
fn set_faces(u: &mut UserInfo, faces: Vec<FaceData>) {
    u.faces = faces;
}
fn set_access_groups(u: &mut UserInfo, ids: Vec<u32>) {
    u.access_group_i_ds = ids;
}
fn set_job_codes(u: &mut UserInfo, codes: Vec<JobCode>) {
    u.job_codes = codes;
}

#[tonic::async_trait]
impl User for UserService {
    async fn get_list(&self, r: Request<GetListRequest>) -> Answer<GetListResponse> {
        let hdrs = self.0.on_device(r.into_inner().device_id, |d| Ok(d.headers())).await?;
        ok(GetListResponse { hdrs })
    }

    async fn get(&self, r: Request<GetRequest>) -> Answer<GetResponse> {
        let r = r.into_inner();
        let users = self.0.on_device(r.device_id, move |d| d.get(&r.user_i_ds, InfoMask::UserMaskAll as u32)).await?;
        ok(GetResponse { users })
    }

    async fn get_partial(&self, r: Request<GetPartialRequest>) -> Answer<GetPartialResponse> {
        let r = r.into_inner();
        let users = self.0.on_device(r.device_id, move |d| d.get(&r.user_i_ds, r.info_mask)).await?;
        ok(GetPartialResponse { users })
    }

    async fn enroll(&self, r: Request<EnrollRequest>) -> Answer<EnrollResponse> {
        let r = r.into_inner();
        self.0.on_device(r.device_id, move |d| d.enroll(&r.users, r.overwrite)).await?;
        ok(EnrollResponse {})
    }

    async fn enroll_multi(&self, r: Request<EnrollMultiRequest>) -> Answer<EnrollMultiResponse> {
        let r = r.into_inner();
        let (users, overwrite) = (Arc::new(r.users), r.overwrite);
        self.0.on_devices("EnrollMulti", &r.device_i_ds, move |d| d.enroll(&users, overwrite)).await?;
        ok(EnrollMultiResponse { device_errors: vec![] })
    }

    async fn update(&self, r: Request<UpdateRequest>) -> Answer<UpdateResponse> {
        let r = r.into_inner();
        self.0.on_device(r.device_id, move |d| d.update(&r.users)).await?;
        ok(UpdateResponse {})
    }

    async fn update_multi(&self, r: Request<UpdateMultiRequest>) -> Answer<UpdateMultiResponse> {
        let r = r.into_inner();
        let users = Arc::new(r.users);
        self.0.on_devices("UpdateMulti", &r.device_i_ds, move |d| d.update(&users)).await?;
        ok(UpdateMultiResponse { device_errors: vec![] })
    }

    async fn delete(&self, r: Request<DeleteRequest>) -> Answer<DeleteResponse> {
        let r = r.into_inner();
        self.0.on_device(r.device_id, move |d| d.delete(&r.user_i_ds)).await?;
        ok(DeleteResponse {})
    }

    async fn delete_multi(&self, r: Request<DeleteMultiRequest>) -> Answer<DeleteMultiResponse> {
        let r = r.into_inner();
        let ids = Arc::new(r.user_i_ds);
        self.0.on_devices("DeleteMulti", &r.device_i_ds, move |d| d.delete(&ids)).await?;
        ok(DeleteMultiResponse { device_errors: vec![] })
    }

    async fn delete_all(&self, r: Request<DeleteAllRequest>) -> Answer<DeleteAllResponse> {
        self.0.on_device(r.into_inner().device_id, |d| d.delete_all()).await?;
        ok(DeleteAllResponse {})
    }

    async fn delete_all_multi(&self, r: Request<DeleteAllMultiRequest>) -> Answer<DeleteAllMultiResponse> {
        self.0.on_devices("DeleteAllMulti", &r.into_inner().device_i_ds, |d| d.delete_all()).await?;
        ok(DeleteAllMultiResponse { device_errors: vec![] })
    }

    async fn get_card(&self, r: Request<GetCardRequest>) -> Answer<GetCardResponse> {
        let r = r.into_inner();
        let user_cards = self
            .get_part(r.device_id, r.user_i_ds, InfoMask::UserMaskCard, |u| UserCard {
                user_id: user_id(&u),
                cards: u.cards,
            })
            .await?;
        ok(GetCardResponse { user_cards })
    }

    async fn set_card(&self, r: Request<SetCardRequest>) -> Answer<SetCardResponse> {
        let r = r.into_inner();
        self.set_one(r.device_id, parts(r.user_cards, |c| (c.user_id, c.cards)), set_cards).await?;
        ok(SetCardResponse {})
    }

    async fn set_card_multi(&self, r: Request<SetCardMultiRequest>) -> Answer<SetCardMultiResponse> {
        let r = r.into_inner();
        let entries = parts(r.user_cards, |c| (c.user_id, c.cards));
        self.set_multi("SetCardMulti", &r.device_i_ds, entries, set_cards).await?;
        ok(SetCardMultiResponse { device_errors: vec![] })
    }

    async fn get_finger(&self, r: Request<GetFingerRequest>) -> Answer<GetFingerResponse> {
        let r = r.into_inner();
        let user_fingers = self
            .get_part(r.device_id, r.user_i_ds, InfoMask::UserMaskFinger, |u| UserFinger {
                user_id: user_id(&u),
                fingers: u.fingers,
            })
            .await?;
        ok(GetFingerResponse { user_fingers })
    }

    async fn set_finger(&self, r: Request<SetFingerRequest>) -> Answer<SetFingerResponse> {
        let r = r.into_inner();
        self.set_one(r.device_id, parts(r.user_fingers, |f| (f.user_id, f.fingers)), set_fingers).await?;
        ok(SetFingerResponse {})
    }

    async fn set_finger_multi(&self, r: Request<SetFingerMultiRequest>) -> Answer<SetFingerMultiResponse> {
        let r = r.into_inner();
        let entries = parts(r.user_fingers, |f| (f.user_id, f.fingers));
        self.set_multi("SetFingerMulti", &r.device_i_ds, entries, set_fingers).await?;
        ok(SetFingerMultiResponse { device_errors: vec![] })
    }

    async fn get_face(&self, r: Request<GetFaceRequest>) -> Answer<GetFaceResponse> {
        let r = r.into_inner();
        let user_faces = self
            .get_part(r.device_id, r.user_i_ds, InfoMask::UserMaskFace, |u| UserFace {
                user_id: user_id(&u),
                faces: u.faces,
            })
            .await?;
        ok(GetFaceResponse { user_faces })
    }

    async fn set_face(&self, r: Request<SetFaceRequest>) -> Answer<SetFaceResponse> {
        let r = r.into_inner();
        self.set_one(r.device_id, parts(r.user_faces, |f| (f.user_id, f.faces)), set_faces).await?;
        ok(SetFaceResponse {})
    }

    async fn set_face_multi(&self, r: Request<SetFaceMultiRequest>) -> Answer<SetFaceMultiResponse> {
        let r = r.into_inner();
        let entries = parts(r.user_faces, |f| (f.user_id, f.faces));
        self.set_multi("SetFaceMulti", &r.device_i_ds, entries, set_faces).await?;
        ok(SetFaceMultiResponse { device_errors: vec![] })
    }

    async fn get_access_group(&self, r: Request<GetAccessGroupRequest>) -> Answer<GetAccessGroupResponse> {
        let r = r.into_inner();
        let user_access_groups = self
            .get_part(r.device_id, r.user_i_ds, InfoMask::UserMaskAccessGroup, |u| UserAccessGroup {
                user_id: user_id(&u),
                access_group_i_ds: u.access_group_i_ds,
            })
            .await?;
        ok(GetAccessGroupResponse { user_access_groups })
    }

    async fn set_access_group(&self, r: Request<SetAccessGroupRequest>) -> Answer<SetAccessGroupResponse> {
        let r = r.into_inner();
        let entries = parts(r.user_access_groups, |g| (g.user_id, g.access_group_i_ds));
        self.set_one(r.device_id, entries, set_access_groups).await?;
        ok(SetAccessGroupResponse {})
    }

    async fn set_access_group_multi(
        &self,
        r: Request<SetAccessGroupMultiRequest>,
    ) -> Answer<SetAccessGroupMultiResponse> {
        let r = r.into_inner();
        let entries = parts(r.user_access_groups, |g| (g.user_id, g.access_group_i_ds));
        self.set_multi("SetAccessGroupMulti", &r.device_i_ds, entries, set_access_groups).await?;
        ok(SetAccessGroupMultiResponse { device_errors: vec![] })
    }

    async fn get_job_code(&self, r: Request<GetJobCodeRequest>) -> Answer<GetJobCodeResponse> {
        let r = r.into_inner();
        let user_job_codes = self
            .get_part(r.device_id, r.user_i_ds, InfoMask::UserMaskJob, |u| UserJobCode {
                user_id: user_id(&u),
                job_codes: u.job_codes,
            })
            .await?;
        ok(GetJobCodeResponse { user_job_codes })
    }

    async fn set_job_code(&self, r: Request<SetJobCodeRequest>) -> Answer<SetJobCodeResponse> {
        let r = r.into_inner();
        self.set_one(r.device_id, parts(r.user_job_codes, |j| (j.user_id, j.job_codes)), set_job_codes).await?;
        ok(SetJobCodeResponse {})
    }

    async fn set_job_code_multi(&self, r: Request<SetJobCodeMultiRequest>) -> Answer<SetJobCodeMultiResponse> {
        let r = r.into_inner();
        let entries = parts(r.user_job_codes, |j| (j.user_id, j.job_codes));
        self.set_multi("SetJobCodeMulti", &r.device_i_ds, entries, set_job_codes).await?;
        ok(SetJobCodeMultiResponse { device_errors: vec![] })
    }

    async fn get_pin_hash(&self, r: Request<GetPinHashRequest>) -> Answer<GetPinHashResponse> {
        let r = r.into_inner();
        validate_device_pin("PIN", &r.pin).map_err(crate::device::invalid)?;
        ok(GetPinHashResponse { hash_val: self.0.pin_hasher.hash(&r.pin) })
    }

    async fn get_pin_hash_with_key(&self, r: Request<GetPinHashWithKeyRequest>) -> Answer<GetPinHashResponse> {
        let r = r.into_inner();
        validate_device_pin("PIN", &r.pin).map_err(crate::device::invalid)?;
        if r.hash_key.is_empty() {
            return Err(Status::invalid_argument("hashKey: is required"));
        }
        ok(GetPinHashResponse { hash_val: hash_with_key(&r.hash_key, &r.pin) })
    }

    async fn get_statistic(&self, r: Request<GetStatisticRequest>) -> Answer<GetStatisticResponse> {
        let user_statistic = self.0.on_device(r.into_inner().device_id, |d| Ok(d.statistic())).await?;
        ok(GetStatisticResponse { user_statistic: Some(user_statistic) })
    }
}
