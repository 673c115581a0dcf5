//! The guide's whole sequence (spec §13, stages 1–6) with Content ID, end to end over HTTP: the real
//! `onair-local` binary on each store, a real nginx-rtmp and ffmpeg, Google's client built from the
//! shipped `youtube.v3.json` for the Data API and plain HTTP with the same token for the partner API
//! (`tests/python/content_id_e2e.py`): a claimed broadcast with midroll ads goes live, takes a midroll
//! cuepoint, completes and is reported processed, which `videos.list` shows, and then makes the
//! `active` reference from its claim (none before processing: `fingerprintingNotAllowed`; one per
//! claim: `alreadyExists`); a claimed broadcast without midroll has its cuepoint refused with
//! `midrollNotEnabled` until midroll is enabled; an owner approved for live fingerprinting references a
//! `ready` broadcast (`activating`), which locks `recordFromStart` on
//! (`recordFromStartModificationNotAllowed`); an unapproved owner's early reference is
//! `fingerprintingNotAllowed`, and one from a broadcast not recording from the start
//! `recordFromStartRequired`.

use crate::support::{Backend, run_unittest_script};

crate::support::on_both_backends!(the_guides_sequence_with_content_id_runs_end_to_end_with_googles_client);

/// The script's test methods; each must run and pass.
const SCRIPT_TESTS: usize = 4;

async fn the_guides_sequence_with_content_id_runs_end_to_end_with_googles_client(backend: Backend) {
    run_unittest_script("content_id_e2e.py", backend, SCRIPT_TESTS).await;
}
