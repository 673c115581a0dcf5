//! The contract of `GrantStore::unredeem_code`, on both adapters: a code is given back only if it is
//! still the redemption made at the given time and nothing of its family exists; otherwise nothing
//! changes. (A child of the OAuth store contract, to share its fixtures.)

use super::*;

macro_rules! unredeem_contract {
    ($($rule:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $rule() {
                    super::$rule(&super::embedded_stores().await).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $rule() {
                    super::$rule(&super::dynamo_stores().await).await;
                }
            )*
        }
    };
}

unredeem_contract!(
    unredeem_gives_back_a_code_redeemed_at_that_time_whose_family_does_not_exist,
    unredeem_changes_nothing_once_the_family_exists_or_for_another_redemption,
    concurrent_unredeem_and_replay_revocation_never_leave_a_live_second_redemption,
);

async fn issued(s: &Stores) -> CodeRecord {
    let c = code("c1");
    s.grants
        .put_code(&c, &entry(AuditEvent::CodeIssued, secs(0)))
        .await
        .unwrap();
    c
}

async fn unredeem_gives_back_a_code_redeemed_at_that_time_whose_family_does_not_exist(s: &Stores) {
    with_user(s).await;
    let c = issued(s).await;
    let at = T0 + secs(1) + Duration::nanoseconds(11);
    s.grants.redeem_code("c1", &redemption(), at).await.unwrap();
    s.grants.unredeem_code("c1", at).await.unwrap();
    // Redeemable again, exactly as issued; and single-use again.
    let again = s
        .grants
        .redeem_code("c1", &redemption(), T0 + secs(2))
        .await
        .unwrap();
    assert_eq!(again, c);
    assert!(matches!(
        s.grants.redeem_code("c1", &redemption(), T0 + secs(3)).await,
        Err(RedeemError::Refused(RedeemRefusal::Replayed, Some(_)))
    ));
    assert!(matches!(
        s.grants.unredeem_code("unknown", at).await,
        Err(StoreError::NotFound)
    ));
}

async fn unredeem_changes_nothing_once_the_family_exists_or_for_another_redemption(s: &Stores) {
    with_user(s).await;
    issued(s).await;
    // Never redeemed: nothing to give back.
    let r = s.grants.unredeem_code("c1", T0 + secs(1)).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    let at = T0 + secs(1);
    s.grants.redeem_code("c1", &redemption(), at).await.unwrap();
    // Another request's redemption time: not ours.
    let r = s.grants.unredeem_code("c1", at + Duration::nanoseconds(1)).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    // The family was written (a start whose answer was lost): the code stays spent.
    started(s, "fam-c1", "rt1").await;
    let r = s.grants.unredeem_code("c1", at).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    match s.grants.redeem_code("c1", &redemption(), T0 + secs(2)).await {
        Err(RedeemError::Refused(RedeemRefusal::Replayed, Some(record))) => {
            assert_eq!(record.redeemed_at, Some(at));
        }
        other => panic!("expected a replay, got {other:?}"),
    }
    // A replay's revocation (which creates the family revoked) blocks it as well.
    s.grants
        .put_code(&code("c2"), &entry(AuditEvent::CodeIssued, secs(0)))
        .await
        .unwrap();
    s.grants.redeem_code("c2", &redemption(), at).await.unwrap();
    s.grants
        .revoke_family(
            "fam-c2",
            &prism(),
            &u1(),
            at,
            &entry(AuditEvent::CodeReplayed, secs(1)),
        )
        .await
        .unwrap();
    let r = s.grants.unredeem_code("c2", at).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
}

/// A give-back racing with replays of the same code: whichever lands first, a second redemption never
/// starts a live family — either the give-back lost (the code stays spent) or the replay's revocation
/// marker is already there (a later start stays revoked).
async fn concurrent_unredeem_and_replay_revocation_never_leave_a_live_second_redemption(s: &Stores) {
    with_user(s).await;
    issued(s).await;
    let at = T0 + secs(1);
    s.grants.redeem_code("c1", &redemption(), at).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let grants = s.grants.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                grants.unredeem_code("c1", at).await.is_ok()
            } else {
                let audit = entry(AuditEvent::CodeReplayed, secs(1));
                grants
                    .revoke_family("fam-c1", &prism(), &u1(), at, &audit)
                    .await
                    .unwrap();
                false
            }
        }));
    }
    let given_back = futures::future::join_all(tasks)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert!(given_back <= 1, "given back {given_back} times");
    // The revocation happened in every interleaving.
    let family = s.grants.get_family("fam-c1").await.unwrap();
    assert!(family.revoked_at.is_some());
    if given_back == 1 {
        // Redeemable again, but whatever it starts is dead: the family stays revoked.
        s.grants
            .redeem_code("c1", &redemption(), T0 + secs(2))
            .await
            .unwrap();
        started(s, "fam-c1", "rt2").await;
        assert!(s.grants.get_family("fam-c1").await.unwrap().revoked_at.is_some());
    } else {
        assert!(matches!(
            s.grants.redeem_code("c1", &redemption(), T0 + secs(2)).await,
            Err(RedeemError::Refused(RedeemRefusal::Replayed, _))
        ));
    }
}
