//! `Idempotency-Key` writes over HTTP, on both stores: the helper `onair_api::idempotency::idempotent`
//! around a counting test handler (`helper`), and the YouTube writes that use it (`youtube`).

mod helper;
mod lost_answer;
mod youtube;
