//! `Idempotency-Key` writes over HTTP: the helper `onair_api::idempotency::idempotent` around a
//! counting test handler (`helper`), on both stores.

mod helper;
