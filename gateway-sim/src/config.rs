//! Which devices the simulator serves: from a TOML file, or the default three.
//!
//! ```toml
//! [[device]]
//! id = 544_300_001
//! model = "BIOSTATION_3"        # BIOSTATION_3 | BIOSTATION_2A | XPASS
//! name = "Main entrance"
//! ip = "192.168.10.21"
//! capacity = 500000             # optional: the model's default
//! alphanumeric_ids = true       # optional: only where the model supports them
//! ```

use crate::models::Model;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    #[serde(rename = "device")]
    pub devices: Vec<DeviceConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub id: u32,
    pub model: Model,
    pub name: String,
    pub ip: String,
    pub capacity: Option<u32>,
    #[serde(default)]
    pub alphanumeric_ids: bool,
}

impl DeviceConfig {
    pub fn capacity(&self) -> u32 {
        self.capacity.unwrap_or_else(|| self.model.default_capacity())
    }
}

impl SimConfig {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let config: SimConfig = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        config.check()?;
        Ok(config)
    }

    pub fn check(&self) -> anyhow::Result<()> {
        if self.devices.is_empty() {
            anyhow::bail!("device: at least one device is needed");
        }
        let mut seen = BTreeSet::new();
        for d in &self.devices {
            if d.id == 0 {
                anyhow::bail!("device.id: 0 is not a device ID");
            }
            if !seen.insert(d.id) {
                anyhow::bail!("device.id: {} appears twice", d.id);
            }
        }
        Ok(())
    }

    /// Three devices of different models: an alphanumeric face/fingerprint terminal with
    /// 500,000-user capacity, a numeric fingerprint + card terminal, and a first-generation
    /// card-only reader holding 5,000 users.
    pub fn default_devices() -> Self {
        let device = |id, model, name: &str, ip: &str, alphanumeric_ids| DeviceConfig {
            id,
            model,
            name: name.into(),
            ip: ip.into(),
            capacity: None,
            alphanumeric_ids,
        };
        Self {
            devices: vec![
                device(544_300_001, Model::Biostation3, "Main entrance", "192.168.10.21", true),
                device(543_200_002, Model::Biostation2a, "Server room", "192.168.10.22", false),
                device(102_030_003, Model::Xpass, "Car park gate", "192.168.10.23", false),
            ],
        }
    }
}
