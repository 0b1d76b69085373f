//! Our `.proto` files must carry the names and field numbers of GATEWAY-PROTOCOL.md
//! (G-SDK v1.8.0) so a client generated from the vendor's protos decodes our messages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use prost::Message;
use prost_types::FileDescriptorSet;
use std::collections::HashMap;

/// `package.Message: field=N, …` exactly as the protocol document states them.
const FIELDS: &[(&str, &str)] = &[
    ("gsdk.user.UserHdr", "ID=1 userFlag=2 numOfCard=3 numOfFinger=4 numOfFace=5 authGroupID=6 updateMask=7"),
    (
        "gsdk.user.UserSetting",
        "startTime=1 endTime=2 biometricAuthMode=3 cardAuthMode=4 IDAuthMode=5 securityLevel=6 faceAuthExtMode=7 fingerAuthExtMode=8 cardAuthExtMode=9 IDAuthExtMode=10",
    ),
    (
        "gsdk.user.UserInfo",
        "hdr=1 setting=2 name=3 cards=4 fingers=5 faces=6 accessGroupIDs=7 jobCodes=8 PIN=9 photo=10",
    ),
    ("gsdk.user.UserCard", "userID=1 cards=2"),
    ("gsdk.user.UserFinger", "userID=1 fingers=2"),
    ("gsdk.user.UserFace", "userID=1 faces=2"),
    ("gsdk.user.UserAccessGroup", "userID=1 accessGroupIDs=2"),
    ("gsdk.user.UserJobCode", "userID=1 jobCodes=2"),
    (
        "gsdk.user.UserStatistic",
        "numOfUsers=1 numOfCards=2 numOfFingerprints=3 numOfFaces=4 numOfNames=5 numOfImages=6 numOfPhrases=7",
    ),
    ("gsdk.user.GetListRequest", "deviceID=1"),
    ("gsdk.user.GetListResponse", "hdrs=1"),
    ("gsdk.user.GetRequest", "deviceID=1 userIDs=2"),
    ("gsdk.user.GetResponse", "users=1"),
    ("gsdk.user.GetPartialRequest", "deviceID=1 userIDs=2 infoMask=3"),
    ("gsdk.user.EnrollRequest", "deviceID=1 users=2 overwrite=3"),
    ("gsdk.user.EnrollMultiRequest", "deviceIDs=1 users=2 overwrite=3"),
    ("gsdk.user.EnrollMultiResponse", "deviceErrors=1"),
    ("gsdk.user.UpdateRequest", "deviceID=1 users=2"),
    ("gsdk.user.UpdateMultiRequest", "deviceIDs=1 users=2"),
    ("gsdk.user.DeleteRequest", "deviceID=1 userIDs=2"),
    ("gsdk.user.DeleteMultiRequest", "deviceIDs=1 userIDs=2"),
    ("gsdk.user.DeleteAllRequest", "deviceID=1"),
    ("gsdk.user.DeleteAllMultiRequest", "deviceIDs=1"),
    ("gsdk.user.DeleteAllMultiResponse", "deviceErrors=1"),
    ("gsdk.user.GetCardResponse", "userCards=1"),
    ("gsdk.user.SetCardRequest", "deviceID=1 userCards=2"),
    ("gsdk.user.SetCardMultiRequest", "deviceIDs=1 userCards=2"),
    ("gsdk.user.GetFingerResponse", "userFingers=1"),
    ("gsdk.user.SetFingerMultiRequest", "deviceIDs=1 userFingers=2"),
    ("gsdk.user.GetFaceResponse", "userFaces=1"),
    ("gsdk.user.SetFaceMultiRequest", "deviceIDs=1 userFaces=2"),
    ("gsdk.user.GetAccessGroupResponse", "userAccessGroups=1"),
    ("gsdk.user.SetAccessGroupMultiRequest", "deviceIDs=1 userAccessGroups=2"),
    ("gsdk.user.GetJobCodeResponse", "userJobCodes=1"),
    ("gsdk.user.SetJobCodeMultiRequest", "deviceIDs=1 userJobCodes=2"),
    ("gsdk.user.GetPINHashRequest", "PIN=1"),
    ("gsdk.user.GetPINHashWithKeyRequest", "PIN=1 hashKey=2"),
    ("gsdk.user.GetPINHashResponse", "hashVal=1"),
    ("gsdk.user.GetStatisticRequest", "deviceID=1"),
    ("gsdk.user.GetStatisticResponse", "userStatistic=1"),
    ("gsdk.card.CSNCardData", "type=1 size=2 data=3"),
    ("gsdk.card.ScanRequest", "deviceID=1"),
    ("gsdk.card.ScanResponse", "cardData=1"),
    ("gsdk.card.CardData", "type=1 CSNCardData=2 smartCardData=3"),
    // From the vendor's published v1.8.0 card.proto (not in GATEWAY-PROTOCOL.md).
    ("gsdk.card.SmartCardData", "header=1 cardID=2 credential=3 accessOnData=4"),
    (
        "gsdk.card.SmartCardHeader",
        "headerCRC=1 cardCRC=2 type=3 numOfTemplate=4 templateSize=5 issueCount=6 duressMask=7 cardAuthMode=8 useAlphanumericID=9 numOfFaceTemplate=10 cardAuthModeEx=11",
    ),
    ("gsdk.card.SmartCardCredential", "PIN=1 templates=2"),
    ("gsdk.card.AccessOnCardData", "accessGroupIDs=1 startTime=2 endTime=3"),
    ("gsdk.finger.FingerData", "index=1 flag=2 templates=3"),
    ("gsdk.finger.ScanRequest", "deviceID=1 templateFormat=2 qualityThreshold=3"),
    ("gsdk.finger.ScanResponse", "templateData=1 qualityScore=2"),
    ("gsdk.face.FaceData", "index=1 flag=2 templates=3 imageData=4 irTemplates=5 irImageData=6"),
    ("gsdk.face.ScanRequest", "deviceID=1 enrollThreshold=2"),
    ("gsdk.face.ScanResponse", "faceData=2"),
    ("gsdk.tna.JobCode", "code=1 label=2"),
    ("gsdk.err.ErrorResponse", "deviceID=1 code=2 msg=3"),
    ("gsdk.err.MultiErrorResponse", "deviceErrors=1"),
    ("gsdk.connect.GetDeviceListResponse", "deviceInfos=1"),
    ("gsdk.connect.DeviceInfo", "deviceID=1 connectionMode=2 IPAddr=3 port=4 status=5 autoReconnect=6 useSSL=7 type=8"),
    ("gsdk.connect.SubscribeStatusRequest", "queueSize=1"),
    ("gsdk.connect.StatusChange", "deviceID=1 status=2 timestamp=3"),
    ("gsdk.device.GetInfoRequest", "deviceID=1"),
    ("gsdk.device.GetInfoResponse", "info=1"),
    (
        "gsdk.device.FactoryInfo",
        "MACAddr=2 modelName=3 firmwareVersion=4 kernelVersion=5 BSCoreVersion=6 boardVersion=7",
    ),
    ("gsdk.device.GetCapabilityInfoResponse", "capInfo=1"),
    (
        "gsdk.device.CapabilityInfo",
        "type=1 maxNumOfUser=2 PINSupported=3 cardSupported=4 card1xSupported=5 SEOSSupported=6 fingerSupported=7 faceSupported=8 userNameSupported=9 userPhotoSupported=10 userPhraseSupported=11 alphanumericIDSupported=12 WLANSupported=13 imageLogSupported=14 VOIPSupported=15 TNASupported=16 jobCodeSupported=17 QRSupported=25",
    ),
];

/// `package.Enum: VALUE=N, …` from the protocol document.
const ENUMS: &[(&str, &str)] = &[
    (
        "gsdk.user.InfoMask",
        "USER_MASK_ID_ONLY=0 USER_MASK_HDR=1 USER_MASK_SETTING=2 USER_MASK_NAME=4 USER_MASK_PHOTO=8 USER_MASK_PIN=16 USER_MASK_CARD=32 USER_MASK_FINGER=64 USER_MASK_FACE=128 USER_MASK_ACCESS_GROUP=256 USER_MASK_JOB=512 USER_MASK_PHRASE=1024 USER_MASK_FACE_EX=2048 USER_MASK_SETTING_EX=4096 USER_MASK_ALL=65535",
    ),
    (
        "gsdk.user.UpdateMask",
        "KEEP_NONE=0 KEEP_USER_PHRASE=1 KEEP_USER_JOB_CODE=2 KEEP_USER_NAME=4 KEEP_USER_PHOTO=8 KEEP_USER_PIN=16 KEEP_USER_CARD=32 KEEP_USER_FINGER=64 KEEP_USER_FACE=128 KEEP_ALL=255",
    ),
    (
        "gsdk.connect.Status",
        "DISCONNECTED=0 TCP_CONNECTED=1 TLS_CONNECTED=2 TCP_CANNOT_CONNECT=256 TCP_NOT_ALLOWED=257 TLS_CANNOT_CONNECT=512 TLS_NOT_ALLOWED=513",
    ),
    (
        "gsdk.device.Type",
        "BIOENTRY_PLUS=1 FACESTATION_2=10 FACESTATION_F2=30 XSTATION_2=32 BIOSTATION_3=35 BIOSTATION_2A=38 BIOENTRY_W3=42 CORESTATION_20=43 UNKNOWN=255",
    ),
];

/// Every method of the document, per service.
const SERVICES: &[(&str, &str)] = &[
    (
        "gsdk.user.User",
        "GetList Get GetPartial Enroll EnrollMulti Update UpdateMulti Delete DeleteMulti DeleteAll DeleteAllMulti GetCard SetCard SetCardMulti GetFinger SetFinger SetFingerMulti GetFace SetFace SetFaceMulti GetAccessGroup SetAccessGroup SetAccessGroupMulti GetJobCode SetJobCode SetJobCodeMulti GetPINHash GetPINHashWithKey GetStatistic",
    ),
    ("gsdk.connect.Connect", "GetDeviceList SubscribeStatus"),
    ("gsdk.device.Device", "GetInfo GetCapabilityInfo"),
    ("gsdk.card.Card", "Scan"),
    ("gsdk.finger.Finger", "Scan"),
    ("gsdk.face.Face", "Scan"),
];

fn descriptors() -> FileDescriptorSet {
    FileDescriptorSet::decode(proto::FILE_DESCRIPTOR_SET).expect("descriptor set decodes")
}

#[test]
fn message_fields_match_the_protocol() {
    let set = descriptors();
    let mut messages = HashMap::new();
    for file in &set.file {
        for m in &file.message_type {
            messages.insert(format!("{}.{}", file.package(), m.name()), m);
        }
    }
    for (name, facts) in FIELDS {
        let m = messages.get(*name).unwrap_or_else(|| panic!("message {name} missing"));
        let ours: HashMap<&str, i32> = m.field.iter().map(|f| (f.name(), f.number())).collect();
        for fact in facts.split_whitespace() {
            let (field, number) = fact.split_once('=').expect("name=N");
            let number: i32 = number.parse().expect("number");
            assert_eq!(ours.get(field), Some(&number), "{name}.{field} must be field {number}");
        }
        assert_eq!(ours.len(), facts.split_whitespace().count(), "{name} has fields the protocol lacks");
    }
}

#[test]
fn enum_values_match_the_protocol() {
    let set = descriptors();
    for (name, facts) in ENUMS {
        let (package, enum_name) = name.rsplit_once('.').expect("qualified");
        let e = set
            .file
            .iter()
            .filter(|f| f.package() == package)
            .flat_map(|f| &f.enum_type)
            .find(|e| e.name() == enum_name)
            .unwrap_or_else(|| panic!("enum {name} missing"));
        let ours: HashMap<&str, i32> = e.value.iter().map(|v| (v.name(), v.number())).collect();
        for fact in facts.split_whitespace() {
            let (value, number) = fact.split_once('=').expect("name=N");
            assert_eq!(ours.get(value), Some(&number.parse().expect("number")), "{name}.{value}");
        }
    }
}

#[test]
fn services_have_every_method_with_vendor_message_names() {
    let set = descriptors();
    for (name, methods) in SERVICES {
        let (package, service) = name.rsplit_once('.').expect("qualified");
        let s = set
            .file
            .iter()
            .filter(|f| f.package() == package)
            .flat_map(|f| &f.service)
            .find(|s| s.name() == service)
            .unwrap_or_else(|| panic!("service {name} missing"));
        for method in methods.split_whitespace() {
            let m = s.method.iter().find(|m| m.name() == method).unwrap_or_else(|| panic!("{name}/{method} missing"));
            assert_eq!(m.input_type(), format!(".{package}.{method}Request"));
            let response = if method == "GetPINHashWithKey" { "GetPINHash" } else { method };
            if method != "SubscribeStatus" {
                assert_eq!(m.output_type(), format!(".{package}.{response}Response"));
            }
        }
        assert_eq!(s.method.len(), methods.split_whitespace().count(), "{name} method count");
    }
}
