//! `Card/Finger/Face.Scan`: what a device reads when someone presents a card, a finger or a
//! face. Synthetic, but deterministic per device and call (scan N of device D is always the
//! same), so tests can predict it.

use crate::device::Device;
use crate::simulator::Simulator;
use proto::domain::limits::{CARD_DATA_SIZE, FINGER_TEMPLATE_MAX_BYTES};
use proto::gsdk::card::card_server::Card;
use proto::gsdk::card::{
    CardData, CsnCardData, ScanRequest as CardScanRequest, ScanResponse as CardScanResponse, Type,
};
use proto::gsdk::face::face_server::Face;
use proto::gsdk::face::{FaceData, ScanRequest as FaceScanRequest, ScanResponse as FaceScanResponse};
use proto::gsdk::finger::finger_server::Finger;
use proto::gsdk::finger::{ScanRequest as FingerScanRequest, ScanResponse as FingerScanResponse};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Captures a finger scan tries before giving up on the quality threshold.
const FINGER_ATTEMPTS: u64 = 5;
const FACE_TEMPLATE_BYTES: usize = 552;
const FACE_IMAGE_BYTES: usize = 4096;

pub struct CardService(pub Arc<Simulator>);
pub struct FingerService(pub Arc<Simulator>);
pub struct FaceService(pub Arc<Simulator>);

/// `len` pseudo-random bytes from (kind, device, scan number).
fn synthetic(kind: &str, device: u32, scan: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut block = 0u32;
    while out.len() < len {
        let digest = Sha256::new()
            .chain_update(kind.as_bytes())
            .chain_update(device.to_be_bytes())
            .chain_update(scan.to_be_bytes())
            .chain_update(block.to_be_bytes())
            .finalize();
        out.extend_from_slice(&digest);
        block += 1;
    }
    out.truncate(len);
    out
}

fn unsupported(d: &Device, what: &str) -> Status {
    Status::failed_precondition(format!(
        "deviceID: device {} ({}) has no {what} sensor",
        d.id(),
        d.config.model.model_name()
    ))
}

#[tonic::async_trait]
impl Card for CardService {
    async fn scan(&self, r: Request<CardScanRequest>) -> Result<Response<CardScanResponse>, Status> {
        let d = self.0.reach(r.into_inner().device_id).await?;
        if !d.capability.card_supported {
            return Err(unsupported(&d, "card"));
        }
        // A 4-byte CSN (MIFARE UID) that never starts with a zero byte.
        let mut data = synthetic("card", d.id(), d.next_scan(), 4);
        data[0] |= 0x10;
        let csn = CsnCardData { r#type: Type::CardTypeCsn as i32, size: CARD_DATA_SIZE, data };
        let card = CardData { r#type: Type::CardTypeCsn as i32, csn_card_data: Some(csn), smart_card_data: None };
        Ok(Response::new(CardScanResponse { card_data: Some(card) }))
    }
}

#[tonic::async_trait]
impl Finger for FingerService {
    /// A capture below `qualityThreshold` is retried, as a person would press again.
    async fn scan(&self, r: Request<FingerScanRequest>) -> Result<Response<FingerScanResponse>, Status> {
        let r = r.into_inner();
        let d = self.0.reach(r.device_id).await?;
        if !d.capability.finger_supported {
            return Err(unsupported(&d, "fingerprint"));
        }
        let mut best = 0;
        for _ in 0..FINGER_ATTEMPTS {
            let scan = d.next_scan();
            let quality = 40 + u32::from(synthetic("quality", d.id(), scan, 1)[0]) % 61;
            best = best.max(quality);
            if quality >= r.quality_threshold {
                let template_data = synthetic("finger", d.id(), scan, FINGER_TEMPLATE_MAX_BYTES);
                return Ok(Response::new(FingerScanResponse { template_data, quality_score: quality }));
            }
        }
        Err(Status::failed_precondition(format!(
            "qualityThreshold: best of {FINGER_ATTEMPTS} captures scored {best}, below {}",
            r.quality_threshold
        )))
    }
}

#[tonic::async_trait]
impl Face for FaceService {
    async fn scan(&self, r: Request<FaceScanRequest>) -> Result<Response<FaceScanResponse>, Status> {
        let d = self.0.reach(r.into_inner().device_id).await?;
        if !d.capability.face_supported {
            return Err(unsupported(&d, "face"));
        }
        let scan = d.next_scan();
        let face = FaceData {
            index: 0,
            flag: 0,
            templates: vec![synthetic("face", d.id(), scan, FACE_TEMPLATE_BYTES)],
            image_data: synthetic("face-image", d.id(), scan, FACE_IMAGE_BYTES),
            ir_templates: vec![],
            ir_image_data: vec![],
        };
        Ok(Response::new(FaceScanResponse { face_data: Some(face) }))
    }
}
