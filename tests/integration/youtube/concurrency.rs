//! Real parallel requests through the router on a multi-thread runtime: exactly one winner, and the
//! record consistent afterwards.

use super::Yt;
use crate::support::{Backend, call};
use futures::future::join_all;
use http::{Method, StatusCode};
use onair_domain::lifecycle::wire::LifeCycleStatus;

crate::support::on_both_backends!(
    fifty_parallel_transitions_to_live_have_exactly_one_winner,
    twenty_racing_binds_of_a_non_reusable_stream_have_one_winner,
    racing_bind_and_stream_delete_never_leave_a_deleted_stream_bound,
);

const BROADCASTS: &str = "/youtube/v3/liveBroadcasts";

async fn fifty_parallel_transitions_to_live_have_exactly_one_winner(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, _) = y.ready_with_active_stream(true).await;
    y.force_state(&b, LifeCycleStatus::Testing).await;
    let before = y.app.state.broadcasts.get(&y.owner(), &b).await.unwrap();
    let path = format!("{BROADCASTS}/transition?id={b}&part=status&broadcastStatus=live");
    let calls = (0..50).map(|_| {
        let (router, token, path) = (y.router.clone(), y.token.clone(), path.clone());
        tokio::spawn(async move { call(&router, Method::POST, &path, Some(&token), None).await })
    });
    let replies: Vec<_> = join_all(calls).await.into_iter().map(|r| r.unwrap()).collect();
    let ok = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    assert_eq!(ok, 1, "exactly one success");
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let reason = r.body["error"]["errors"][0]["reason"].as_str().unwrap();
        assert!(
            reason == "redundantTransition" || reason == "invalidTransition",
            "{}",
            r.text
        );
    }
    let after = y.app.state.broadcasts.get(&y.owner(), &b).await.unwrap();
    assert_eq!(after.version, before.version + 1, "one write");
    assert_eq!(after.broadcast.state(), LifeCycleStatus::LiveStarting);
}

async fn twenty_racing_binds_of_a_non_reusable_stream_have_one_winner(backend: Backend) {
    let y = Yt::new(backend).await;
    let s = y.insert_stream(false).await;
    let mut broadcasts = Vec::new();
    for _ in 0..20 {
        broadcasts.push(y.insert_broadcast(true).await);
    }
    let calls = broadcasts.iter().map(|b| {
        let (router, token) = (y.router.clone(), y.token.clone());
        let path = format!("{BROADCASTS}/bind?id={b}&part=id&streamId={s}");
        tokio::spawn(async move { call(&router, Method::POST, &path, Some(&token), None).await })
    });
    let replies: Vec<_> = join_all(calls).await.into_iter().map(|r| r.unwrap()).collect();
    let winners: Vec<_> = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .map(|r| r.body["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(winners.len(), 1, "exactly one bind wins");
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(
            r.body["error"]["errors"][0]["reason"], "liveBroadcastBindingNotAllowed",
            "{}",
            r.text
        );
    }
    let stream = y.app.state.streams.get(&y.owner(), &s).await.unwrap();
    assert_eq!(stream.bound_broadcasts, winners);
    for b in &broadcasts {
        let stored = y.app.state.broadcasts.get(&y.owner(), b).await.unwrap();
        let bound = stored.broadcast.bound_stream_id() == Some(s.as_str());
        assert_eq!(bound, winners.contains(b), "{b}");
    }
}

async fn racing_bind_and_stream_delete_never_leave_a_deleted_stream_bound(backend: Backend) {
    let y = Yt::new(backend).await;
    let (mut binds_won, mut deletes_won) = (0, 0);
    for _ in 0..15 {
        let b = y.insert_broadcast(true).await;
        let s = y.insert_stream(true).await;
        let bind = {
            let (router, token) = (y.router.clone(), y.token.clone());
            let path = format!("{BROADCASTS}/bind?id={b}&part=id&streamId={s}");
            tokio::spawn(async move { call(&router, Method::POST, &path, Some(&token), None).await })
        };
        let delete = {
            let (router, token) = (y.router.clone(), y.token.clone());
            let path = format!("/youtube/v3/liveStreams?id={s}");
            tokio::spawn(async move { call(&router, Method::DELETE, &path, Some(&token), None).await })
        };
        let (bind, delete) = (bind.await.unwrap(), delete.await.unwrap());
        let stream = y.app.state.streams.get(&y.owner(), &s).await;
        let broadcast = y.app.state.broadcasts.get(&y.owner(), &b).await.unwrap();
        match stream {
            Ok(stream) => {
                // the bind won; the delete saw the binding and was refused
                assert_eq!(bind.status, StatusCode::OK, "{}", bind.text);
                assert_eq!(delete.status, StatusCode::FORBIDDEN, "{}", delete.text);
                assert_eq!(stream.bound_broadcasts, vec![b.clone()]);
                assert_eq!(broadcast.broadcast.bound_stream_id(), Some(s.as_str()));
                binds_won += 1;
            }
            Err(_) => {
                assert_eq!(delete.status, StatusCode::NO_CONTENT, "{}", delete.text);
                assert_eq!(bind.status, StatusCode::NOT_FOUND, "{}", bind.text);
                assert_eq!(
                    broadcast.broadcast.bound_stream_id(),
                    None,
                    "never bound to a deleted stream"
                );
                deletes_won += 1;
            }
        }
    }
    assert_eq!(binds_won + deletes_won, 15);
}
