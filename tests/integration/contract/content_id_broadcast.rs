//! The contract of `ContentIdStore::write_with_broadcast` (see `onair_store::content_id_ports`) on
//! the embedded store and on DynamoDB (moto, fresh tables per test): the owner's records and one
//! broadcast of the lifecycle store are written as ONE atomic write — the broadcast on its owner,
//! version and binding as read, the records on their expectations, under the owner's link — so any
//! failed condition writes nothing on either side; of parallel writers on one broadcast version
//! (reference writes and plain broadcast updates mixed) exactly one lands; DynamoDB: one request.

use super::lifecycle::broadcast;
use crate::support::{self, Backend};
use futures::future::join_all;
use onair_domain::content_id::ContentOwner;
use onair_store::dynamo::DynamoStores;
use onair_store::embedded::EmbeddedStore;
use onair_store::{
    BroadcastStore, ContentIdStore, Expect, LinkGuard, RecordWrite, StoredBroadcast, StoredOwner,
    StoredRecord, WriteError,
};
use std::sync::Arc;
use time::Duration;

crate::support::on_both_backends!(
    both: [
        records_and_the_broadcast_are_written_together,
        any_failed_condition_writes_nothing_on_either_side,
        parallel_writers_on_one_broadcast_version_have_exactly_one_winner,
    ],
    dynamodb_only: [write_with_broadcast_is_one_request],
);

struct Ports {
    content: Arc<dyn ContentIdStore>,
    broadcasts: Arc<dyn BroadcastStore>,
    dynamo: Option<DynamoStores>,
}

async fn ports(backend: Backend) -> Ports {
    match backend {
        Backend::Embedded => {
            let store = EmbeddedStore::new();
            Ports {
                content: Arc::new(store.clone()),
                broadcasts: Arc::new(store),
                dynamo: None,
            }
        }
        Backend::Aws => {
            let dynamo = support::fresh_dynamo().await;
            Ports {
                content: Arc::new(dynamo.content_ids()),
                broadcasts: Arc::new(dynamo.broadcasts()),
                dynamo: Some(dynamo),
            }
        }
    }
}

const USER: &str = "u1";
const OWNER: &str = "own1";

/// An owner linking `ch1` for `u1`, and a created broadcast `b1` of `u1` (version 1).
async fn setup(p: &Ports) -> StoredBroadcast {
    let owner = StoredOwner {
        owner: ContentOwner {
            id: OWNER.into(),
            display_name: "Owner".into(),
            live_fingerprinting: true,
            channels: [("ch1".to_string(), USER.to_string())].into_iter().collect(),
        },
        version: 1,
    };
    p.content.create_owner(&owner).await.unwrap();
    let b = broadcast(USER, "ch1", "b1", Duration::ZERO);
    p.broadcasts.create(&b).await.unwrap();
    b
}

fn guard() -> LinkGuard {
    LinkGuard {
        channel_id: "ch1".into(),
        user_id: USER.into(),
    }
}

fn absent(sk: &str) -> RecordWrite {
    RecordWrite {
        record: StoredRecord {
            sk: sk.into(),
            doc: "{}".into(),
            version: 1,
        },
        expect: Expect::Absent,
    }
}

/// `b` locked, on the next version.
fn locked(b: &StoredBroadcast) -> StoredBroadcast {
    let mut next = b.clone();
    next.broadcast.content_details.record_from_start_locked = true;
    next.version = b.version + 1;
    next
}

async fn records(p: &Ports, prefix: &str) -> Vec<String> {
    p.content
        .list_with(OWNER, prefix)
        .await
        .unwrap()
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.sk)
        .collect()
}

async fn records_and_the_broadcast_are_written_together(backend: Backend) {
    let p = ports(backend).await;
    let b = setup(&p).await;
    let next = locked(&b);
    p.content
        .write_with_broadcast(
            OWNER,
            &guard(),
            &[absent("REFERENCE#r1"), absent("CLAIMREF#c1")],
            &next,
            1,
        )
        .await
        .unwrap();
    assert_eq!(records(&p, "REFERENCE#").await, ["REFERENCE#r1"]);
    assert_eq!(records(&p, "CLAIMREF#").await, ["CLAIMREF#c1"]);
    let stored = p.broadcasts.get(&b.owner, "b1").await.unwrap();
    assert_eq!(stored, next, "the broadcast as written, lock included");
}

/// A refused write: its name, guard, records, broadcast, expected version and the error it gets.
type Case = (
    &'static str,
    LinkGuard,
    Vec<RecordWrite>,
    StoredBroadcast,
    u64,
    WriteError,
);

async fn any_failed_condition_writes_nothing_on_either_side(backend: Backend) {
    let p = ports(backend).await;
    let b = setup(&p).await;
    p.content
        .write(OWNER, &guard(), &[absent("CLAIMREF#taken")])
        .await
        .unwrap();
    let mut other_owner = locked(&b);
    other_owner.owner = super::lifecycle::user("u2");
    let mut missing = locked(&b);
    missing.broadcast.id = "nope".into();
    let mut rebound = locked(&b);
    rebound.broadcast.content_details.bound_stream_id = Some("s1".into());
    let unlinked = LinkGuard {
        channel_id: "ch1".into(),
        user_id: "u2".into(),
    };
    let cases: Vec<Case> = vec![
        (
            "stale version",
            guard(),
            vec![absent("REFERENCE#a")],
            locked(&b),
            2,
            WriteError::BroadcastMoved,
        ),
        (
            "another user's broadcast",
            guard(),
            vec![absent("REFERENCE#a")],
            other_owner,
            1,
            WriteError::BroadcastMoved,
        ),
        (
            "missing broadcast",
            guard(),
            vec![absent("REFERENCE#a")],
            missing,
            1,
            WriteError::BroadcastMoved,
        ),
        (
            "binding changed",
            guard(),
            vec![absent("REFERENCE#a")],
            rebound,
            1,
            WriteError::BroadcastMoved,
        ),
        (
            "record exists",
            guard(),
            vec![absent("REFERENCE#a"), absent("CLAIMREF#taken")],
            locked(&b),
            1,
            WriteError::Conflict(String::new()),
        ),
        (
            "unlinked",
            unlinked,
            vec![absent("REFERENCE#a")],
            locked(&b),
            1,
            WriteError::Unlinked,
        ),
    ];
    for (name, guard, writes, next, expected, want) in cases {
        let err = p
            .content
            .write_with_broadcast(OWNER, &guard, &writes, &next, expected)
            .await
            .unwrap_err();
        match (&err, &want) {
            (WriteError::Conflict(_), WriteError::Conflict(_)) => {}
            _ => assert_eq!(err, want, "{name}"),
        }
        assert!(
            records(&p, "REFERENCE#").await.is_empty(),
            "{name}: no record written"
        );
        assert_eq!(records(&p, "CLAIMREF#").await, ["CLAIMREF#taken"], "{name}");
        assert_eq!(
            p.broadcasts.get(&b.owner, "b1").await.unwrap(),
            b,
            "{name}: the broadcast is unchanged"
        );
    }
}

async fn parallel_writers_on_one_broadcast_version_have_exactly_one_winner(backend: Backend) {
    let p = Arc::new(ports(backend).await);
    let b = setup(&p).await;
    let calls = (0..20).map(|i| {
        let p = p.clone();
        let b = b.clone();
        tokio::spawn(async move {
            if i % 2 == 0 {
                let sk = format!("REFERENCE#r{i}");
                p.content
                    .write_with_broadcast(OWNER, &guard(), &[absent(&sk)], &locked(&b), 1)
                    .await
                    .is_ok()
            } else {
                let mut next = b.clone();
                next.broadcast.content_details.record_from_start = false;
                next.version = 2;
                p.broadcasts.update(&next, 1).await.is_ok()
            }
        })
    });
    let won: Vec<bool> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        won.iter().filter(|w| **w).count(),
        1,
        "exactly one winner: {won:?}"
    );
    let stored = p.broadcasts.get(&b.owner, "b1").await.unwrap();
    assert_eq!(stored.version, 2);
    let refs = records(&p, "REFERENCE#").await;
    if stored.broadcast.content_details.record_from_start_locked {
        assert_eq!(refs.len(), 1, "the winning reference write, and only it");
        assert!(stored.broadcast.content_details.record_from_start);
    } else {
        assert!(refs.is_empty(), "an update won: no reference landed");
        assert!(!stored.broadcast.content_details.record_from_start);
    }
}

async fn write_with_broadcast_is_one_request() {
    let p = ports(Backend::Aws).await;
    let b = setup(&p).await;
    let trips = p.dynamo.as_ref().unwrap().round_trips();
    trips.reset();
    p.content
        .write_with_broadcast(OWNER, &guard(), &[absent("REFERENCE#r1")], &locked(&b), 1)
        .await
        .unwrap();
    assert_eq!(trips.get(), 1, "one TransactWriteItems");
}
