//! YouTube's live chat for viewers driven by Google's own client library: the real `onair-local`
//! binary on each store and `googleapiclient` built from the shipped `youtube.v3.json`
//! (`tests/python/chat_client.py`). Users created through the admin API sign in through the login
//! page, insert, list (with the client's own `list_next`) and delete messages, ban and unban through
//! `liveChatBans`, manage `liveChatModerators`, and see the error reasons through `HttpError`.

use crate::support::{Backend, run_unittest_script};

crate::support::on_both_backends!(googles_client_reads_posts_and_moderates_a_viewers_chat);

/// The script's test methods; each must run and pass.
const SCRIPT_TESTS: usize = 4;

async fn googles_client_reads_posts_and_moderates_a_viewers_chat(backend: Backend) {
    run_unittest_script("chat_client.py", backend, SCRIPT_TESTS).await;
}
