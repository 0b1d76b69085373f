//! Every numeric limit of the domain, defined once.

/// A user ID is 1 to 32 bytes.
pub const USER_ID_MAX_BYTES: usize = 32;
/// Numeric user IDs are 1..=4294967294 (devices keep them as uint32; 0 and u32::MAX are reserved).
pub const NUMERIC_USER_ID_MIN: u64 = 1;
pub const NUMERIC_USER_ID_MAX: u64 = 4_294_967_294;

/// A name is at most 48 characters (192 bytes of UTF-8) on the devices.
pub const NAME_MAX_CHARS: usize = 48;
pub const NAME_MAX_BYTES: usize = 192;
/// A job code label is at most 48 characters.
pub const JOB_CODE_LABEL_MAX_CHARS: usize = 48;

/// Lintel's PIN policy: 4 to 16 digits.
pub const PIN_MIN_DIGITS: usize = 4;
pub const PIN_MAX_DIGITS: usize = 16;
/// What a device accepts as plain PIN text (GetPINHash input): 1 to 16 bytes.
pub const DEVICE_PIN_MAX_BYTES: usize = 16;
/// A PIN travels and is stored only as this many bytes of hash.
pub const PIN_HASH_BYTES: usize = 32;

pub const MAX_CARDS: usize = 8;
/// `CSNCardData.size` is always 32; `data` holds at most 32 bytes.
pub const CARD_DATA_SIZE: i32 = 32;
pub const CARD_DATA_MAX_BYTES: usize = 32;

pub const MAX_FINGERS: usize = 10;
pub const FINGER_TEMPLATES_PER_FINGER: usize = 2;
pub const FINGER_TEMPLATE_MAX_BYTES: usize = 384;
pub const MAX_FACES: usize = 5;

pub const MAX_ACCESS_GROUPS: usize = 16;
pub const MAX_JOB_CODES: usize = 16;

/// A user photo is at most 16 KiB.
pub const PHOTO_MAX_BYTES: usize = 16 * 1024;

/// Devices accept validity times from 2001-01-01T00:00:00Z ...
pub const VALIDITY_MIN_UNIX: u32 = 978_307_200;
/// ... to 2030-12-31T23:59:59Z. 0 means "no limit".
pub const VALIDITY_MAX_UNIX: u32 = 1_924_991_999;
