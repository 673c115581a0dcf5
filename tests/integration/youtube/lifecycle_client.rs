//! The guide's stages 1, 3, 4 and 5 end to end, driven by Google's own client library: the real
//! `onair-local` binary on each store, a real nginx-rtmp started through `infra/ingest/run`, a real
//! ffmpeg publishing a test pattern, and `googleapiclient` built from the shipped `youtube.v3.json`
//! (`tests/python/lifecycle_e2e.py`): streams turning active from the ingest hooks, transitions through
//! `testStarting`/`liveStarting` settling by themselves, a cuepoint, completion, the error reasons in
//! Google's envelope, auto start and auto stop with a shortened `ONAIR_AUTO_STOP_SECONDS`, a re-publish
//! inside the auto-stop window, paging with the client's own `list_next`, read-only scopes, the
//! extension fields and the delete rules.

use crate::support::{Backend, run_unittest_script};

crate::support::on_both_backends!(the_guides_stages_run_end_to_end_with_googles_client_and_a_real_encoder);

/// The script's test methods; each must run and pass.
const SCRIPT_TESTS: usize = 8;

async fn the_guides_stages_run_end_to_end_with_googles_client_and_a_real_encoder(backend: Backend) {
    run_unittest_script("lifecycle_e2e.py", backend, SCRIPT_TESTS).await;
}
