//! Stage 6 of the guide driven by Google's own client library against the real `onair-local` binary
//! on each store (`tests/python/videos_client.py`): `videos.list` from the shipped `youtube.v3.json`,
//! the wait for `uploadStatus == processed` after the platform ends the broadcast and the media plane
//! reports it processed (admin API), a failed recording's reason, unknown ids left out, and the error
//! reasons in Google's envelope.

use crate::support::{Backend, run_unittest_script};

crate::support::on_both_backends!(googles_client_waits_for_the_broadcasts_video_to_be_processed);

/// The script's test methods; each must run and pass.
const SCRIPT_TESTS: usize = 3;

async fn googles_client_waits_for_the_broadcasts_video_to_be_processed(backend: Backend) {
    run_unittest_script("videos_client.py", backend, SCRIPT_TESTS).await;
}
