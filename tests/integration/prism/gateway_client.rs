//! The PRISM Service API end to end as the gateway calls it (`tests/python/prism_e2e.py`): the real
//! `onair-local` binary on each store, a real nginx-rtmp and ffmpeg, plain HTTP for PRISM's calls and
//! google-api-python-client for a viewer's chat on the same chat store. Covers R4 → R8 → R6 → R9,
//! ffmpeg to the returned `rtmpPath`, R7 until `ON_AIR`, O2/O1/O3 with the page-token rules, a viewer's
//! `liveChatMessages.insert` refused while banned (O4) and accepted after O6, O7/O8 and
//! `isLiveManager`, R10 → `END`; the force-end rule; a channel disabled mid-live (`END` at the next
//! poll, the encoder dropped); and a restart after `END`.

use crate::support::{Backend, run_unittest_script};

crate::support::on_both_backends!(the_gateways_sequence_runs_end_to_end_with_a_real_encoder_and_a_viewer);

/// The script's test methods; each must run and pass.
const SCRIPT_TESTS: usize = 4;

async fn the_gateways_sequence_runs_end_to_end_with_a_real_encoder_and_a_viewer(backend: Backend) {
    run_unittest_script("prism_e2e.py", backend, SCRIPT_TESTS).await;
}
