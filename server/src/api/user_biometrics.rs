//! Fingerprints and faces: imported as base64 templates or scanned at a device of the
//! site (Finger.Scan twice per finger, Face.Scan once). They are sensitive personal data:
//! kept as the devices' records, never in a response (only counts), never logged.

use crate::api::user_credentials::{finish, load};
use crate::audit::Action;
use crate::db;
use crate::directory::{Actor, biometrics};
use crate::error::{ApiError, ApiResult};
use crate::gateways::unavailable;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::json::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proto::api::credentials::{ScanAt, SetFaces, SetFingerprints};
use proto::api::user::UserView;
use proto::domain::device_user::{check_faces, check_fingers};
use proto::domain::{FieldError, Problem};
use proto::gsdk::face::FaceData;
use proto::gsdk::face::face_client::FaceClient;
use proto::gsdk::finger::finger_client::FingerClient;
use proto::gsdk::finger::{FingerData, TemplateFormat};
use serde_json::json;

fn decode(field: &str, text: &str) -> Result<Vec<u8>, FieldError> {
    STANDARD.decode(text.trim()).map_err(|_| FieldError::new(field, Problem::Invalid("is not base64".into())))
}

/// Flag bit of a duress finger on the devices.
const DURESS: u32 = 0x01;

fn fingers(req: &SetFingerprints) -> Result<Vec<FingerData>, FieldError> {
    let mut out = Vec::new();
    for (i, f) in req.fingerprints.iter().enumerate() {
        let templates = f
            .templates
            .iter()
            .enumerate()
            .map(|(t, text)| decode(&format!("fingerprints[{i}].templates[{t}]"), text))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(FingerData { index: i as i32, flag: if f.duress { DURESS } else { 0 }, templates });
    }
    check_fingers("fingerprints", &out)?;
    Ok(out)
}

fn faces(req: &SetFaces) -> Result<Vec<FaceData>, FieldError> {
    let mut out = Vec::new();
    for (i, f) in req.faces.iter().enumerate() {
        let templates = f
            .templates
            .iter()
            .enumerate()
            .map(|(t, text)| decode(&format!("faces[{i}].templates[{t}]"), text))
            .collect::<Result<Vec<_>, _>>()?;
        let image_data =
            f.image.as_deref().map(|img| decode(&format!("faces[{i}].image"), img)).transpose()?.unwrap_or_default();
        out.push(FaceData { index: i as i32, templates, image_data, ..Default::default() });
    }
    check_faces("faces", &out)?;
    Ok(out)
}

#[utoipa::path(put, path = "/v1/users/{id}/fingerprints", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = SetFingerprints, description = "Imports fingerprints (at most 10, two templates of at most 384 bytes each); replaces the person's; empty clears.", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn set_fingerprints(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(req): Json<SetFingerprints>,
) -> ApiResult<axum::Json<UserView>> {
    let items = fingers(&req)?;
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, &actor, id).await?;
    biometrics::store(&mut tx, id, "finger", &items, false).await?;
    Ok(axum::Json(
        finish(&state, tx, &actor, &row, Action::UserFingerprints, json!({"fingerprints": items.len()})).await?,
    ))
}

#[utoipa::path(put, path = "/v1/users/{id}/faces", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = SetFaces, description = "Imports faces (at most 5); replaces the person's; empty clears.", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn set_faces(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(req): Json<SetFaces>,
) -> ApiResult<axum::Json<UserView>> {
    let items = faces(&req)?;
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, &actor, id).await?;
    biometrics::store(&mut tx, id, "face", &items, false).await?;
    Ok(axum::Json(finish(&state, tx, &actor, &row, Action::UserFaces, json!({"faces": items.len()})).await?))
}

#[utoipa::path(post, path = "/v1/users/{id}/fingerprints/scan", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = ScanAt, description = "Captures one finger at a device of the site (two scans, Finger.Scan) and adds it.", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "no such person or device", body = crate::error::ErrorBody), (status = 422, description = "the device cannot scan fingers, poor quality, or 10 fingers already", body = crate::error::ErrorBody), (status = 503, description = "the gateway or device cannot be reached", body = crate::error::ErrorBody)))]
pub async fn scan_fingerprint(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(req): Json<ScanAt>,
) -> ApiResult<axum::Json<UserView>> {
    let mut client = FingerClient::new(state.gateways.channel(actor.site_id)?);
    let mut templates = Vec::new();
    for _ in 0..2 {
        let request = proto::gsdk::finger::ScanRequest {
            device_id: req.device_id,
            template_format: TemplateFormat::Suprema as i32,
            quality_threshold: req.quality_threshold.unwrap_or(50),
        };
        let scanned = client.scan(request).await.map_err(|s| unavailable("Finger.Scan", &s))?;
        templates.push(scanned.into_inner().template_data);
    }
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, &actor, id).await?;
    let held = biometrics::count(&mut tx, id, "finger").await?;
    let finger = FingerData { index: held as i32, flag: 0, templates };
    let all: Vec<FingerData> = std::iter::repeat_n(finger.clone(), held + 1).collect();
    check_fingers("fingerprints", &all)?;
    biometrics::store(&mut tx, id, "finger", &[finger], true).await?;
    let after = json!({"fingerprint_scanned_at": req.device_id});
    Ok(axum::Json(finish(&state, tx, &actor, &row, Action::UserFingerprints, after).await?))
}

#[utoipa::path(post, path = "/v1/users/{id}/faces/scan", tag = "credentials", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = ScanAt, description = "Captures a face at a device of the site (Face.Scan) and adds it.", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "no such person or device", body = crate::error::ErrorBody), (status = 422, description = "the device cannot scan faces, or 5 faces already", body = crate::error::ErrorBody), (status = 503, description = "the gateway or device cannot be reached", body = crate::error::ErrorBody)))]
pub async fn scan_face(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Json(req): Json<ScanAt>,
) -> ApiResult<axum::Json<UserView>> {
    let mut client = FaceClient::new(state.gateways.channel(actor.site_id)?);
    let request = proto::gsdk::face::ScanRequest {
        device_id: req.device_id,
        enroll_threshold: proto::gsdk::face::FaceEnrollThreshold::Bs2FaceEnrollThreshold4 as i32,
    };
    let scanned = client.scan(request).await.map_err(|s| unavailable("Face.Scan", &s))?;
    let face = scanned
        .into_inner()
        .face_data
        .ok_or_else(|| ApiError::new(axum::http::StatusCode::BAD_GATEWAY, "Face.Scan answered no face"))?;
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, &actor, id).await?;
    let held = biometrics::count(&mut tx, id, "face").await?;
    let all: Vec<FaceData> = std::iter::repeat_n(face.clone(), held + 1).collect();
    check_faces("faces", &all)?;
    biometrics::store(&mut tx, id, "face", &[face], true).await?;
    Ok(axum::Json(
        finish(&state, tx, &actor, &row, Action::UserFaces, json!({"face_scanned_at": req.device_id})).await?,
    ))
}
