//! The video store contract (see `onair_store::video_ports`) on the embedded store and DynamoDB:
//! videos are their owner's broadcasts with the report beside them, read in the order asked with
//! others' and unknown ids left out; a report is stored once (conditional), only on an existing
//! broadcast of the owner; 50 racing reports have exactly one winner; a deleted broadcast has no
//! video; and (DynamoDB) a get of 50 ids is one round trip.

use super::lifecycle::{Ports, broadcast, ports, user};
use crate::support::{Backend, T0};
use futures::future::join_all;
use onair_domain::lifecycle::video::{ProcessingOutcome, VideoProcessing};
use onair_domain::lifecycle::wire::{FailureReason, LifeCycleStatus, UploadStatus};
use onair_store::dynamo::DynamoStores;
use onair_store::embedded::EmbeddedStore;
use onair_store::{StoreError, StoredBroadcast, VideoStore};
use std::sync::Arc;
use time::Duration;

crate::support::on_both_backends!(
    both: [
        videos_are_the_owners_broadcasts_with_their_report_in_the_order_asked,
        a_report_is_stored_once_and_only_on_the_owners_broadcast,
        fifty_racing_reports_have_exactly_one_winner,
        a_deleted_broadcast_has_no_video,
    ],
    dynamodb_only: [a_get_of_fifty_videos_is_one_round_trip],
);

struct VideoPorts {
    lifecycle: Ports,
    videos: Arc<dyn VideoStore>,
}

async fn video_ports(backend: Backend) -> VideoPorts {
    match backend {
        Backend::Embedded => {
            // The lifecycle ports and the video port must share one store.
            let store = EmbeddedStore::new();
            VideoPorts {
                lifecycle: Ports {
                    broadcasts: Arc::new(store.clone()),
                    streams: Arc::new(store.clone()),
                    dynamo: None,
                },
                videos: Arc::new(store),
            }
        }
        Backend::Aws => {
            let lifecycle = ports(backend).await;
            let dynamo: &DynamoStores = lifecycle.dynamo.as_ref().unwrap();
            let videos = Arc::new(dynamo.videos());
            VideoPorts { lifecycle, videos }
        }
    }
}

async fn complete(p: &VideoPorts, owner: &str, id: &str) -> StoredBroadcast {
    let mut b = broadcast(owner, &format!("{owner}ch"), id, Duration::seconds(1));
    b.broadcast.status.life_cycle_status = LifeCycleStatus::Complete;
    p.lifecycle.broadcasts.create(&b).await.unwrap();
    b
}

fn processing(id: &str, outcome: ProcessingOutcome) -> VideoProcessing {
    VideoProcessing {
        video_id: id.into(),
        outcome,
        processed_at: T0,
    }
}

async fn videos_are_the_owners_broadcasts_with_their_report_in_the_order_asked(backend: Backend) {
    let p = video_ports(backend).await;
    complete(&p, "u1", "b1").await;
    complete(&p, "u1", "b2").await;
    complete(&p, "u2", "b3").await;
    let report = processing("b2", ProcessingOutcome::Processed);
    p.videos.record(&user("u1"), &report).await.unwrap();
    let ids: Vec<String> = ["b2", "nope", "b3", "b1", "b2"].map(String::from).to_vec();
    let got = p.videos.get_many(&user("u1"), &ids).await.unwrap();
    let order: Vec<&str> = got.iter().map(|v| v.id()).collect();
    assert_eq!(order, ["b2", "b1"]);
    assert_eq!(got[0].processing.as_ref(), Some(&report));
    assert_eq!(got[0].upload_status(), UploadStatus::Processed);
    assert_eq!(got[1].processing, None);
    assert_eq!(got[1].upload_status(), UploadStatus::Uploaded);
    assert_eq!(p.videos.get(&user("u1"), "b2").await.unwrap(), got[0]);
    assert_eq!(p.videos.get(&user("u1"), "b3").await, Err(StoreError::NotFound));
    assert_eq!(p.videos.get(&user("u2"), "b2").await, Err(StoreError::NotFound));
    assert_eq!(p.videos.get(&user("u1"), "nope").await, Err(StoreError::NotFound));
    assert!(p.videos.get_many(&user("u1"), &[]).await.unwrap().is_empty());
    let too_many: Vec<String> = (0..51).map(|i| format!("x{i}")).collect();
    assert!(matches!(
        p.videos.get_many(&user("u1"), &too_many).await,
        Err(StoreError::Conflict(_))
    ));
}

async fn a_report_is_stored_once_and_only_on_the_owners_broadcast(backend: Backend) {
    let p = video_ports(backend).await;
    complete(&p, "u1", "b1").await;
    let failed = processing("b1", ProcessingOutcome::Failed(FailureReason::Codec));
    assert_eq!(
        p.videos.record(&user("u2"), &failed).await,
        Err(StoreError::NotFound)
    );
    let unknown = processing("nope", ProcessingOutcome::Processed);
    assert_eq!(
        p.videos.record(&user("u1"), &unknown).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(p.videos.get(&user("u1"), "b1").await.unwrap().processing, None);
    p.videos.record(&user("u1"), &failed).await.unwrap();
    for again in [failed.clone(), processing("b1", ProcessingOutcome::Processed)] {
        assert!(matches!(
            p.videos.record(&user("u1"), &again).await,
            Err(StoreError::Conflict(_))
        ));
    }
    let stored = p.videos.get(&user("u1"), "b1").await.unwrap();
    assert_eq!(stored.processing, Some(failed));
    assert_eq!(stored.upload_status(), UploadStatus::Failed);
}

async fn fifty_racing_reports_have_exactly_one_winner(backend: Backend) {
    let p = video_ports(backend).await;
    complete(&p, "u1", "b1").await;
    let calls = (0..50).map(|i| {
        let videos = p.videos.clone();
        let outcome = if i % 2 == 0 {
            ProcessingOutcome::Processed
        } else {
            ProcessingOutcome::Failed(FailureReason::Conversion)
        };
        tokio::spawn(async move {
            (
                outcome,
                videos.record(&user("u1"), &processing("b1", outcome)).await,
            )
        })
    });
    let results = join_all(calls).await;
    let winners: Vec<ProcessingOutcome> = results
        .into_iter()
        .map(Result::unwrap)
        .filter_map(|(outcome, result)| match result {
            Ok(()) => Some(outcome),
            Err(StoreError::Conflict(_)) => None,
            Err(other) => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
    let stored = p.videos.get(&user("u1"), "b1").await.unwrap();
    assert_eq!(stored.processing.map(|r| r.outcome), Some(winners[0]));
}

async fn a_deleted_broadcast_has_no_video(backend: Backend) {
    let p = video_ports(backend).await;
    let b = complete(&p, "u1", "b1").await;
    p.videos
        .record(&user("u1"), &processing("b1", ProcessingOutcome::Processed))
        .await
        .unwrap();
    p.lifecycle
        .broadcasts
        .delete(&user("u1"), "b1", b.version, None, None)
        .await
        .unwrap();
    assert_eq!(p.videos.get(&user("u1"), "b1").await, Err(StoreError::NotFound));
    assert!(
        p.videos
            .get_many(&user("u1"), &["b1".to_owned()])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_get_of_fifty_videos_is_one_round_trip() {
    let p = video_ports(Backend::Aws).await;
    let mut ids = Vec::new();
    for i in 0..50 {
        let id = format!("b{i}");
        complete(&p, "u1", &id).await;
        if i % 2 == 0 {
            p.videos
                .record(&user("u1"), &processing(&id, ProcessingOutcome::Processed))
                .await
                .unwrap();
        }
        ids.push(id);
    }
    let trips = p.lifecycle.dynamo.as_ref().unwrap().round_trips();
    trips.reset();
    let got = p.videos.get_many(&user("u1"), &ids).await.unwrap();
    assert_eq!(trips.get(), 1);
    assert_eq!(got.len(), 50);
    assert_eq!(got.iter().filter(|v| v.processing.is_some()).count(), 25);
    trips.reset();
    p.videos.get(&user("u1"), "b1").await.unwrap();
    assert_eq!(trips.get(), 1);
}
