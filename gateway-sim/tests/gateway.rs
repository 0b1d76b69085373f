//! Drives every RPC of the simulated gateway through tonic clients over real gRPC.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod harness;

use gateway_sim::{DeviceConfig, Model, SimConfig};
use harness::*;
use proto::domain::CardNumber;
use proto::gsdk::card::{CsnCardData, Type as CardType};
use proto::gsdk::connect::{GetDeviceListRequest, Status as ConnStatus, SubscribeStatusRequest};
use proto::gsdk::device::{GetCapabilityInfoRequest, GetInfoRequest, Type as DeviceType};
use proto::gsdk::face::FaceData;
use proto::gsdk::finger::FingerData;
use proto::gsdk::tna::JobCode;
use proto::gsdk::user::*;
use proto::multi_error::multi_errors;
use proto::sim_control::{SetLatencyRequest, SetOnlineRequest};
use tokio_stream::StreamExt;
use tonic::Code;

fn card(n: &str) -> CsnCardData {
    CardNumber::parse("card", n).unwrap().to_csn_card_data(CardType::CardTypeCsn)
}

fn finger(index: i32) -> FingerData {
    FingerData { index, flag: 0, templates: vec![vec![index as u8 + 1; 384], vec![7; 300]] }
}

async fn enroll(gw: &Gateway, device_id: u32, users: Vec<UserInfo>) -> Result<(), tonic::Status> {
    gw.user().enroll(EnrollRequest { device_id, users, overwrite: false }).await.map(|_| ())
}

async fn list(gw: &Gateway, device_id: u32) -> Vec<String> {
    let hdrs = gw.user().get_list(GetListRequest { device_id }).await.unwrap().into_inner().hdrs;
    hdrs.into_iter().map(|h| h.id).collect()
}

#[tokio::test]
async fn device_list_info_and_capabilities() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(dir.path()).await;
    let infos = gw.connect().get_device_list(GetDeviceListRequest {}).await.unwrap().into_inner().device_infos;
    let ids: Vec<u32> = infos.iter().map(|d| d.device_id).collect();
    assert_eq!(ids, [CARD_ONLY, FINGER, FACE]);
    assert!(infos.iter().all(|d| d.status == ConnStatus::TcpConnected as i32));

    let cap = |id| {
        let mut c = gw.device();
        async move {
            c.get_capability_info(GetCapabilityInfoRequest { device_id: id })
                .await
                .unwrap()
                .into_inner()
                .cap_info
                .unwrap()
        }
    };
    let face = cap(FACE).await;
    assert_eq!(face.r#type, DeviceType::Biostation3 as i32);
    assert!(face.alphanumeric_id_supported && face.face_supported && face.finger_supported);
    assert_eq!(face.max_num_of_user, 500_000);
    let fp = cap(FINGER).await;
    assert!(!fp.alphanumeric_id_supported && fp.finger_supported && !fp.face_supported && fp.card_supported);
    let reader = cap(CARD_ONLY).await;
    assert_eq!(reader.max_num_of_user, 5_000);
    assert!(reader.card_supported && !reader.finger_supported && !reader.face_supported);

    let info = gw.device().get_info(GetInfoRequest { device_id: FINGER }).await.unwrap().into_inner().info.unwrap();
    assert_eq!(info.model_name, "BioStation 2a");
    assert!(info.mac_addr.starts_with("00:17:FC:"));
    let missing = gw.device().get_info(GetInfoRequest { device_id: 1 }).await.unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    gw.stop().await;
}

#[tokio::test]
async fn enroll_get_partial_and_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(dir.path()).await;
    let mut ann = user("ann-01", "Ann Lee");
    ann.cards = vec![card("0x04A1B2C3")];
    ann.setting = Some(UserSetting { start_time: 1_700_000_000, end_time: 1_800_000_000, ..Default::default() });
    ann.access_group_i_ds = vec![1, 2];
    enroll(&gw, FACE, vec![ann.clone(), user("7", "Bo")]).await.unwrap();
    assert_eq!(list(&gw, FACE).await, ["7", "ann-01"]);

    let got =
        gw.user().get(GetRequest { device_id: FACE, user_i_ds: vec!["ann-01".into()] }).await.unwrap().into_inner();
    let u = &got.users[0];
    assert_eq!(u.name, "Ann Lee");
    assert_eq!(u.hdr.as_ref().unwrap().num_of_card, 1, "the device counts cards itself");
    assert_eq!(u.cards, ann.cards);
    assert_eq!(u.setting, ann.setting);

    let mask = InfoMask::UserMaskName as u32 | InfoMask::UserMaskCard as u32;
    let mut c = gw.user();
    let partial =
        c.get_partial(GetPartialRequest { device_id: FACE, user_i_ds: vec!["ann-01".into()], info_mask: mask });
    let p = partial.await.unwrap().into_inner().users.remove(0);
    assert_eq!((p.name.as_str(), p.cards.len()), ("Ann Lee", 1));
    assert!(p.setting.is_none() && p.access_group_i_ds.is_empty());
    assert_eq!(p.hdr.unwrap().id, "ann-01");
    let id_only = c.get_partial(GetPartialRequest { device_id: FACE, user_i_ds: vec!["ann-01".into()], info_mask: 0 });
    let p = id_only.await.unwrap().into_inner().users.remove(0);
    assert_eq!((p.hdr.unwrap().id.as_str(), p.name.as_str()), ("ann-01", ""));

    let again = enroll(&gw, FACE, vec![user("ann-01", "Ann Again")]).await.unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    assert!(again.message().contains("ann-01"), "{}", again.message());
    gw.user()
        .enroll(EnrollRequest { device_id: FACE, users: vec![user("ann-01", "Ann Again")], overwrite: true })
        .await
        .unwrap();
    let got =
        gw.user().get(GetRequest { device_id: FACE, user_i_ds: vec!["ann-01".into()] }).await.unwrap().into_inner();
    assert_eq!(got.users[0].name, "Ann Again");
    assert!(got.users[0].cards.is_empty(), "overwrite replaces the whole record");

    let unknown = gw.user().get(GetRequest { device_id: FACE, user_i_ds: vec!["nobody".into()] }).await.unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    gw.stop().await;
}

#[tokio::test]
async fn device_rules_refuse_bad_records_naming_field_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(dir.path()).await;
    let mut nine = user("42", "Nine Cards");
    nine.cards = (1..=9).map(|n| card(&n.to_string())).collect();
    let e = enroll(&gw, FINGER, vec![user("41", "ok"), nine]).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(e.message(), "users[1].cards: 9 given, at most 8");
    assert!(list(&gw, FINGER).await.is_empty(), "a refused call changes nothing");

    enroll(&gw, FINGER, vec![user("42", "Eight")]).await.unwrap();
    let cards = (1..=9).map(|n| card(&n.to_string())).collect();
    let mut c = gw.user();
    let e =
        c.set_card(SetCardRequest { device_id: FINGER, user_cards: vec![UserCard { user_id: "42".into(), cards }] });
    let e = e.await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Code::InvalidArgument, "[0].cards: 9 given, at most 8"));

    let e = enroll(&gw, FINGER, vec![user("ann-01", "Ann")]).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert!(e.message().starts_with("users[0].hdr.ID: \"ann-01\" is not numeric"), "{}", e.message());

    let long = "x".repeat(49);
    let e = enroll(&gw, FACE, vec![user("a", &long)]).await.unwrap_err();
    assert_eq!(e.message(), "users[0].name: 49 characters, at most 48");
    let e = enroll(&gw, FACE, vec![user("0", "zero")]).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);

    let mut face = user("55", "Face");
    face.faces = vec![FaceData { templates: vec![vec![1; 10]], ..Default::default() }];
    let e = enroll(&gw, FINGER, vec![face]).await.unwrap_err();
    assert_eq!(e.message(), "users[0].faces: this device does not support faces");

    let mut late = user("56", "Late");
    late.setting = Some(UserSetting { end_time: 2_000_000_000, ..Default::default() });
    let e = enroll(&gw, FINGER, vec![late]).await.unwrap_err();
    assert!(e.message().starts_with("users[0].setting.endTime: 2000000000 is outside"), "{}", e.message());

    let mut pin = user("57", "Plain PIN");
    pin.pin = b"1234".to_vec();
    let e = enroll(&gw, FINGER, vec![pin]).await.unwrap_err();
    assert!(e.message().contains("32-byte hash"), "{}", e.message());

    let e = enroll(&gw, FINGER, vec![user("60", "a"), user("60", "b")]).await.unwrap_err();
    assert!(e.message().contains("appears twice"));
    gw.stop().await;
}

#[tokio::test]
async fn capacity_is_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let config = SimConfig {
        devices: vec![DeviceConfig {
            id: 9,
            model: Model::Xpass,
            name: "tiny".into(),
            ip: "10.0.0.9".into(),
            capacity: Some(3),
            alphanumeric_ids: false,
        }],
    };
    let gw = Gateway::start_with(dir.path(), config).await;
    enroll(&gw, 9, vec![user("1", "a"), user("2", "b")]).await.unwrap();
    let e = enroll(&gw, 9, vec![user("3", "c"), user("4", "d")]).await.unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert!(e.message().contains("capacity of 3"), "{}", e.message());
    // Overwriting existing users needs no room.
    gw.user()
        .enroll(EnrollRequest { device_id: 9, users: vec![user("1", "a2"), user("3", "c")], overwrite: true })
        .await
        .unwrap();
    assert_eq!(list(&gw, 9).await, ["1", "2", "3"]);
    gw.stop().await;
}

#[tokio::test]
async fn update_keeps_masked_parts() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(dir.path()).await;
    let mut u = user("10", "Old Name");
    u.cards = vec![card("1234")];
    u.fingers = vec![finger(0)];
    enroll(&gw, FINGER, vec![u]).await.unwrap();

    let mut change = user("10", "New Name");
    change.hdr.as_mut().unwrap().update_mask = UpdateMask::KeepUserCard as u32 | UpdateMask::KeepUserFinger as u32;
    gw.user().update(UpdateRequest { device_id: FINGER, users: vec![change] }).await.unwrap();
    let got = gw
        .user()
        .get(GetRequest { device_id: FINGER, user_i_ds: vec!["10".into()] })
        .await
        .unwrap()
        .into_inner()
        .users
        .remove(0);
    assert_eq!((got.name.as_str(), got.cards.len(), got.fingers.len()), ("New Name", 1, 1));

    let mut keep_name = user("10", "Ignored");
    keep_name.hdr.as_mut().unwrap().update_mask = UpdateMask::KeepUserName as u32;
    gw.user().update(UpdateRequest { device_id: FINGER, users: vec![keep_name] }).await.unwrap();
    let got = gw
        .user()
        .get(GetRequest { device_id: FINGER, user_i_ds: vec!["10".into()] })
        .await
        .unwrap()
        .into_inner()
        .users
        .remove(0);
    assert_eq!((got.name.as_str(), got.cards.len()), ("New Name", 0), "unkept parts are replaced");

    let mut missing = user("11", "x");
    missing.hdr.as_mut().unwrap().update_mask = UpdateMask::KeepUserName as u32;
    let e = gw.user().update(UpdateRequest { device_id: FINGER, users: vec![missing] }).await.unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    // KEEP_NONE acts as Enroll with overwrite: it creates.
    gw.user().update(UpdateRequest { device_id: FINGER, users: vec![user("11", "Created")] }).await.unwrap();
    assert_eq!(list(&gw, FINGER).await, ["10", "11"]);

    gw.user()
        .update_multi(UpdateMultiRequest { device_i_ds: vec![FINGER, CARD_ONLY], users: vec![user("12", "Both")] })
        .await
        .unwrap();
    assert_eq!(list(&gw, CARD_ONLY).await, ["12"]);
    gw.stop().await;
}

#[tokio::test]
async fn delete_and_delete_all() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(dir.path()).await;
    let devices = vec![FACE, FINGER, CARD_ONLY];
    let users = (1..=5).map(|i| user(&i.to_string(), "x")).collect();
    gw.user().enroll_multi(EnrollMultiRequest { device_i_ds: devices.clone(), users, overwrite: false }).await.unwrap();

    gw.user().delete(DeleteRequest { device_id: FACE, user_i_ds: vec!["1".into()] }).await.unwrap();
    assert_eq!(list(&gw, FACE).await, ["2", "3", "4", "5"]);
    let e =
        gw.user().delete(DeleteRequest { device_id: FACE, user_i_ds: vec!["1".into(), "2".into()] }).await.unwrap_err();
    assert_eq!(e.code(), Code::NotFound, "an absent user is reported");
    assert!(e.message().contains(": 1"), "{}", e.message());
    assert_eq!(list(&gw, FACE).await, ["3", "4", "5"], "the present one is deleted all the same");

    gw.user()
        .delete_multi(DeleteMultiRequest { device_i_ds: devices.clone(), user_i_ds: vec!["3".into()] })
        .await
        .unwrap();
    assert_eq!(list(&gw, CARD_ONLY).await, ["1", "2", "4", "5"]);

    gw.user().delete_all(DeleteAllRequest { device_id: FINGER }).await.unwrap();
    assert!(list(&gw, FINGER).await.is_empty());
    gw.user().delete_all_multi(DeleteAllMultiRequest { device_i_ds: devices }).await.unwrap();
    assert!(list(&gw, FACE).await.is_empty() && list(&gw, CARD_ONLY).await.is_empty());
    gw.stop().await;
}

#[tokio::test]
async fn credential_parts_get_and_set() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(dir.path()).await;
    let mut c = gw.user();
    let both = vec![FACE, FINGER];
    c.enroll_multi(EnrollMultiRequest {
        device_i_ds: both.clone(),
        users: vec![user("20", "Parts")],
        overwrite: false,
    })
    .await
    .unwrap();
    let ids = || vec!["20".to_string()];

    c.set_card(SetCardRequest {
        device_id: FACE,
        user_cards: vec![UserCard { user_id: "20".into(), cards: vec![card("99")] }],
    })
    .await
    .unwrap();
    let got = c.get_card(GetCardRequest { device_id: FACE, user_i_ds: ids() }).await.unwrap().into_inner().user_cards;
    assert_eq!((got[0].user_id.as_str(), got[0].cards.len()), ("20", 1));
    c.set_card_multi(SetCardMultiRequest {
        device_i_ds: both.clone(),
        user_cards: vec![UserCard { user_id: "20".into(), cards: vec![card("1"), card("2")] }],
    })
    .await
    .unwrap();
    let got = c.get_card(GetCardRequest { device_id: FINGER, user_i_ds: ids() }).await.unwrap().into_inner().user_cards;
    assert_eq!(got[0].cards.len(), 2);

    c.set_finger(SetFingerRequest {
        device_id: FINGER,
        user_fingers: vec![UserFinger { user_id: "20".into(), fingers: vec![finger(0)] }],
    })
    .await
    .unwrap();
    c.set_finger_multi(SetFingerMultiRequest {
        device_i_ds: both.clone(),
        user_fingers: vec![UserFinger { user_id: "20".into(), fingers: vec![finger(0), finger(1)] }],
    })
    .await
    .unwrap();
    let got =
        c.get_finger(GetFingerRequest { device_id: FACE, user_i_ds: ids() }).await.unwrap().into_inner().user_fingers;
    assert_eq!(got[0].fingers, vec![finger(0), finger(1)]);
    let too_big = FingerData { index: 0, flag: 0, templates: vec![vec![1; 385], vec![1; 10]] };
    let e = c
        .set_finger(SetFingerRequest {
            device_id: FACE,
            user_fingers: vec![UserFinger { user_id: "20".into(), fingers: vec![too_big] }],
        })
        .await
        .unwrap_err();
    assert_eq!(e.message(), "[0].fingers[0].templates[0]: 385 bytes, at most 384");

    let face = FaceData { index: 0, templates: vec![vec![3; 552]], image_data: vec![1; 100], ..Default::default() };
    c.set_face(SetFaceRequest {
        device_id: FACE,
        user_faces: vec![UserFace { user_id: "20".into(), faces: vec![face.clone()] }],
    })
    .await
    .unwrap();
    let got = c.get_face(GetFaceRequest { device_id: FACE, user_i_ds: ids() }).await.unwrap().into_inner().user_faces;
    assert_eq!(got[0].faces, vec![face.clone()]);
    let e = c
        .set_face_multi(SetFaceMultiRequest {
            device_i_ds: both.clone(),
            user_faces: vec![UserFace { user_id: "20".into(), faces: vec![face] }],
        })
        .await
        .unwrap_err();
    let details = multi_errors(&e).expect("multi error details");
    assert_eq!(details.device_errors.len(), 1);
    assert_eq!(details.device_errors[0].device_id, FINGER, "only the device without faces failed");

    c.set_access_group(SetAccessGroupRequest {
        device_id: FACE,
        user_access_groups: vec![UserAccessGroup { user_id: "20".into(), access_group_i_ds: vec![3, 4] }],
    })
    .await
    .unwrap();
    c.set_access_group_multi(SetAccessGroupMultiRequest {
        device_i_ds: both.clone(),
        user_access_groups: vec![UserAccessGroup { user_id: "20".into(), access_group_i_ds: vec![5] }],
    })
    .await
    .unwrap();
    let got =
        c.get_access_group(GetAccessGroupRequest { device_id: FINGER, user_i_ds: ids() }).await.unwrap().into_inner();
    assert_eq!(got.user_access_groups[0].access_group_i_ds, [5]);
    let e = c
        .set_access_group(SetAccessGroupRequest {
            device_id: FACE,
            user_access_groups: vec![UserAccessGroup { user_id: "20".into(), access_group_i_ds: (1..=17).collect() }],
        })
        .await
        .unwrap_err();
    assert_eq!(e.message(), "[0].accessGroupIDs: 17 given, at most 16");

    let code = |n| JobCode { code: n, label: format!("Job {n}") };
    c.set_job_code(SetJobCodeRequest {
        device_id: FACE,
        user_job_codes: vec![UserJobCode { user_id: "20".into(), job_codes: vec![code(1)] }],
    })
    .await
    .unwrap();
    c.set_job_code_multi(SetJobCodeMultiRequest {
        device_i_ds: both,
        user_job_codes: vec![UserJobCode { user_id: "20".into(), job_codes: vec![code(1), code(2)] }],
    })
    .await
    .unwrap();
    let got = c.get_job_code(GetJobCodeRequest { device_id: FACE, user_i_ds: ids() }).await.unwrap().into_inner();
    assert_eq!(got.user_job_codes[0].job_codes, vec![code(1), code(2)]);
    let e = c
        .set_card(SetCardRequest {
            device_id: FACE,
            user_cards: vec![UserCard { user_id: "404".into(), cards: vec![] }],
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);

    let stats =
        c.get_statistic(GetStatisticRequest { device_id: FACE }).await.unwrap().into_inner().user_statistic.unwrap();
    assert_eq!((stats.num_of_users, stats.num_of_cards, stats.num_of_fingerprints, stats.num_of_faces), (1, 2, 2, 1));
    assert_eq!(stats.num_of_names, 1);
    gw.stop().await;
}

#[tokio::test]
async fn multi_call_with_a_device_offline_names_exactly_that_device() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(dir.path()).await;
    let mut statuses =
        gw.connect().subscribe_status(SubscribeStatusRequest { queue_size: 8 }).await.unwrap().into_inner();
    gw.control().set_online(SetOnlineRequest { device_id: FINGER, online: false }).await.unwrap();
    let change = statuses.next().await.unwrap().unwrap();
    assert_eq!((change.device_id, change.status), (FINGER, ConnStatus::Disconnected as i32));

    let infos = gw.connect().get_device_list(GetDeviceListRequest {}).await.unwrap().into_inner().device_infos;
    let finger_info = infos.iter().find(|d| d.device_id == FINGER).unwrap();
    assert_eq!(finger_info.status, ConnStatus::Disconnected as i32);

    let e = gw.user().get_list(GetListRequest { device_id: FINGER }).await.unwrap_err();
    assert_eq!(e.code(), Code::Unavailable);

    let users = vec![user("30", "Everyone"), user("31", "Else")];
    let req = EnrollMultiRequest { device_i_ds: vec![FACE, FINGER, CARD_ONLY], users, overwrite: false };
    let e = gw.user().enroll_multi(req).await.unwrap_err();
    assert_eq!(e.code(), Code::Unavailable);
    let details = multi_errors(&e).expect("grpc-status-details-bin carries a MultiErrorResponse");
    assert_eq!(details.device_errors.len(), 1);
    assert_eq!(details.device_errors[0].device_id, FINGER);
    assert_eq!(details.device_errors[0].code, Code::Unavailable as i32);
    assert_eq!(list(&gw, FACE).await, ["30", "31"], "online devices got the change");
    assert_eq!(list(&gw, CARD_ONLY).await, ["30", "31"]);

    gw.control().set_online(SetOnlineRequest { device_id: FINGER, online: true }).await.unwrap();
    let change = statuses.next().await.unwrap().unwrap();
    assert_eq!((change.device_id, change.status), (FINGER, ConnStatus::TcpConnected as i32));
    assert!(list(&gw, FINGER).await.is_empty());
    gw.stop().await;
}

#[tokio::test]
async fn restart_keeps_every_devices_users_and_the_pin_key() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(dir.path()).await;
    let hash = gw.user().get_pin_hash(GetPinHashRequest { pin: "739184".into() }).await.unwrap().into_inner().hash_val;
    let users: Vec<UserInfo> = (1..=50).map(|i| user(&i.to_string(), &format!("User {i}"))).collect();
    let all = vec![FACE, FINGER, CARD_ONLY];
    gw.user().enroll_multi(EnrollMultiRequest { device_i_ds: all.clone(), users, overwrite: false }).await.unwrap();
    enroll(&gw, FACE, vec![user("alpha", "Alpha")]).await.unwrap();
    gw.user().delete(DeleteRequest { device_id: CARD_ONLY, user_i_ds: vec!["50".into()] }).await.unwrap();
    let before: Vec<Vec<String>> = futures_lists(&gw, &all).await;
    gw.stop().await;

    let gw = Gateway::start(dir.path()).await;
    assert_eq!(futures_lists(&gw, &all).await, before);
    assert_eq!(before[0].len(), 51);
    assert_eq!(before[2].len(), 49);
    let again = gw.user().get_pin_hash(GetPinHashRequest { pin: "739184".into() }).await.unwrap().into_inner().hash_val;
    assert_eq!(again, hash, "PIN hashes are stable across restarts");
    gw.stop().await;
}

async fn futures_lists(gw: &Gateway, devices: &[u32]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for d in devices {
        out.push(list(gw, *d).await);
    }
    out
}

#[tokio::test]
async fn pin_hash() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(dir.path()).await;
    let mut c = gw.user();
    let h1 = c.get_pin_hash(GetPinHashRequest { pin: "1234".into() }).await.unwrap().into_inner().hash_val;
    let h2 = c.get_pin_hash(GetPinHashRequest { pin: "1235".into() }).await.unwrap().into_inner().hash_val;
    assert_eq!(h1.len(), 32);
    assert_ne!(h1, h2);
    let e = c.get_pin_hash(GetPinHashRequest { pin: "1".repeat(17) }).await.unwrap_err();
    assert_eq!((e.code(), e.message()), (Code::InvalidArgument, "PIN: 17 bytes, at most 16"));
    let k1 =
        c.get_pin_hash_with_key(GetPinHashWithKeyRequest { pin: "1234".into(), hash_key: vec![1; 16] }).await.unwrap();
    let k2 =
        c.get_pin_hash_with_key(GetPinHashWithKeyRequest { pin: "1234".into(), hash_key: vec![2; 16] }).await.unwrap();
    assert_eq!(k1.get_ref().hash_val.len(), 32);
    assert_ne!(k1.get_ref().hash_val, k2.get_ref().hash_val);

    // The hashed PIN is accepted in a user record.
    let mut u = user("70", "PIN user");
    u.pin = h1;
    enroll(&gw, FINGER, vec![u]).await.unwrap();
    gw.stop().await;
}

#[tokio::test]
async fn scans_are_deterministic_per_device_and_call() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let a = Gateway::start(first.path()).await;
    let b = Gateway::start(second.path()).await;
    let scan = |gw: &Gateway, device_id| {
        let mut c = gw.card();
        async move {
            let card =
                c.scan(proto::gsdk::card::ScanRequest { device_id }).await.unwrap().into_inner().card_data.unwrap();
            card.csn_card_data.unwrap().data
        }
    };
    let (a1, a2, b1) = (scan(&a, FACE).await, scan(&a, FACE).await, scan(&b, FACE).await);
    assert_eq!(a1, b1, "same device, same call number, same card");
    assert_ne!(a1, a2, "the next call reads another card");
    assert_ne!(scan(&b, FINGER).await, b1, "another device reads another card");
    assert!(CardNumber::from_data("card", &a1).is_ok());

    let mut finger_client = a.finger();
    let fp = finger_client.scan(proto::gsdk::finger::ScanRequest {
        device_id: FINGER,
        template_format: 0,
        quality_threshold: 40,
    });
    let fp = fp.await.unwrap().into_inner();
    assert_eq!(fp.template_data.len(), 384);
    assert!(fp.quality_score >= 40);
    let e = finger_client.scan(proto::gsdk::finger::ScanRequest {
        device_id: CARD_ONLY,
        template_format: 0,
        quality_threshold: 0,
    });
    assert_eq!(e.await.unwrap_err().code(), Code::FailedPrecondition);

    let face = a
        .face()
        .scan(proto::gsdk::face::ScanRequest {
            device_id: FACE,
            enroll_threshold: proto::gsdk::face::FaceEnrollThreshold::Bs2FaceEnrollThreshold4 as i32,
        })
        .await
        .unwrap();
    let face = face.into_inner().face_data.unwrap();
    assert!(!face.templates.is_empty() && !face.image_data.is_empty());
    let e = a
        .face()
        .scan(proto::gsdk::face::ScanRequest {
            device_id: FINGER,
            enroll_threshold: proto::gsdk::face::FaceEnrollThreshold::Bs2FaceEnrollThreshold4 as i32,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn latency_delays_calls() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(dir.path()).await;
    gw.control().set_latency(SetLatencyRequest { device_id: FACE, millis: 60_000 }).await.unwrap();
    // A deadline far shorter than the added latency expires; the other devices are untouched.
    let mut req = tonic::Request::new(GetListRequest { device_id: FACE });
    req.set_timeout(std::time::Duration::from_millis(200));
    let code = gw.user().get_list(req).await.unwrap_err().code();
    assert!(matches!(code, Code::DeadlineExceeded | Code::Cancelled), "{code:?}");
    assert!(list(&gw, FINGER).await.is_empty());
    gw.control().set_latency(SetLatencyRequest { device_id: 0, millis: 0 }).await.unwrap();
    assert!(list(&gw, FACE).await.is_empty());
    gw.stop().await;
}
