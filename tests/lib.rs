//! The single integration-test binary of onair lives under `integration/`.
