//! Table-driven tests of the lifecycle core: every (state, trigger) pair of the broadcast machine,
//! every (status, event) pair of the stream machine, the §5.4 mutation matrix, insert and update.

use super::fixtures::*;
use super::ingest::{self, HealthReport, IngestEvent};
use super::machine::{self, AutoStart, BindTarget, Mutation};
use super::part::{Method, Part, Parts};
use super::resource::{update_broadcast, update_stream};
use super::stream::{ConfigurationIssue, StreamHealth, StreamStatusPart};
use super::wire::{
    HealthStatus, IssueSeverity, LifeCycleStatus as S, RecordingStatus, StreamStatus, TransitionTarget as T,
};
use super::{LifecycleError, render};
use serde_json::json;
use time::Duration;

fn outcome(r: Result<machine::Outcome, LifecycleError>) -> String {
    match r {
        Ok(o) => o.broadcast.state().as_str().to_owned(),
        Err(e) => e.reason.as_str().to_owned(),
    }
}

fn state_of(r: Result<super::broadcast::Broadcast, LifecycleError>) -> String {
    match r {
        Ok(b) => b.state().as_str().to_owned(),
        Err(e) => e.reason.as_str().to_owned(),
    }
}

// ---------------------------------------------------------------- transitions

/// (state, testing, live, complete) with the monitor stream on and the bound stream active.
const TRANSITIONS_MONITOR_ON: &[(S, &str, &str, &str)] = &[
    (
        S::Created,
        "invalidTransition",
        "invalidTransition",
        "invalidTransition",
    ),
    (S::Ready, "testStarting", "invalidTransition", "invalidTransition"),
    (
        S::TestStarting,
        "redundantTransition",
        "invalidTransition",
        "complete",
    ),
    (S::Testing, "redundantTransition", "liveStarting", "complete"),
    (
        S::LiveStarting,
        "invalidTransition",
        "redundantTransition",
        "complete",
    ),
    (S::Live, "invalidTransition", "redundantTransition", "complete"),
    (
        S::Complete,
        "invalidTransition",
        "invalidTransition",
        "redundantTransition",
    ),
    (
        S::Revoked,
        "invalidTransition",
        "invalidTransition",
        "invalidTransition",
    ),
];

#[test]
fn transition_table_covers_every_state_and_target_with_an_active_stream() {
    assert_eq!(TRANSITIONS_MONITOR_ON.len(), S::ALL.len());
    for &(state, testing, live, complete) in TRANSITIONS_MONITOR_ON {
        let b = in_state(state);
        let active = Some(StreamStatus::Active);
        assert_eq!(
            outcome(machine::transition(&b, active, T::Testing, NOW)),
            testing,
            "{state} → testing"
        );
        assert_eq!(
            outcome(machine::transition(&b, active, T::Live, NOW)),
            live,
            "{state} → live"
        );
        assert_eq!(
            outcome(machine::transition(&b, active, T::Complete, NOW)),
            complete,
            "{state} → complete"
        );
    }
}

#[test]
fn testing_and_live_need_an_active_bound_stream_but_complete_does_not() {
    for &(state, testing, live, complete) in TRANSITIONS_MONITOR_ON {
        let b = in_state(state);
        for stream in [
            None,
            Some(StreamStatus::Ready),
            Some(StreamStatus::Inactive),
            Some(StreamStatus::Error),
        ] {
            let want = |ok: &str| {
                if ok.ends_with("Starting") {
                    "errorStreamInactive".to_owned()
                } else {
                    ok.to_owned()
                }
            };
            assert_eq!(
                outcome(machine::transition(&b, stream, T::Testing, NOW)),
                want(testing),
                "{state} {stream:?}"
            );
            assert_eq!(
                outcome(machine::transition(&b, stream, T::Live, NOW)),
                want(live),
                "{state} {stream:?}"
            );
            assert_eq!(
                outcome(machine::transition(&b, stream, T::Complete, NOW)),
                complete,
                "{state} {stream:?}"
            );
        }
    }
}

#[test]
fn without_the_monitor_stream_ready_goes_live_directly_and_cannot_test() {
    let mut b = in_state(S::Ready);
    b.content_details.monitor_stream.enable_monitor_stream = false;
    let active = Some(StreamStatus::Active);
    assert_eq!(
        outcome(machine::transition(&b, active, T::Live, NOW)),
        "liveStarting"
    );
    assert_eq!(
        outcome(machine::transition(&b, active, T::Testing, NOW)),
        "invalidTransition"
    );
}

#[test]
fn redundant_transition_wins_over_an_inactive_stream() {
    let b = in_state(S::Testing);
    let err = machine::transition(&b, Some(StreamStatus::Inactive), T::Testing, NOW).unwrap_err();
    assert_eq!(err.reason.as_str(), "redundantTransition");
    assert_eq!(err.code(), 403);
    assert_eq!(err.domain(), "youtube.liveBroadcast");
}

#[test]
fn transient_states_are_returned_and_flagged_for_settling() {
    let o = machine::transition(&in_state(S::Ready), Some(StreamStatus::Active), T::Testing, NOW).unwrap();
    assert_eq!(o.broadcast.state(), S::TestStarting);
    assert!(o.settle_pending);
    let o = machine::transition(&in_state(S::Live), None, T::Complete, NOW).unwrap();
    assert!(!o.settle_pending);
}

#[test]
fn settle_completes_only_transient_states() {
    for &state in S::ALL {
        let got = machine::settle(&in_state(state), NOW).map(|b| b.state());
        let want = match state {
            S::TestStarting => Some(S::Testing),
            S::LiveStarting => Some(S::Live),
            _ => None,
        };
        assert_eq!(got, want, "{state}");
    }
}

#[test]
fn settle_is_idempotent() {
    let live = machine::settle(&in_state(S::LiveStarting), NOW).unwrap();
    assert_eq!(machine::settle(&live, NOW + Duration::seconds(5)), None);
}

// ---------------------------------------------------------------- side effects (§5.6)

#[test]
fn going_live_sets_actual_start_time_and_starts_recording() {
    let b = machine::settle(&in_state(S::LiveStarting), NOW).unwrap();
    assert_eq!(b.snippet.actual_start_time, Some(NOW));
    assert_eq!(b.status.recording_status, RecordingStatus::Recording);
    assert_eq!(b.snippet.actual_end_time, None);
}

#[test]
fn without_record_from_start_going_live_does_not_record() {
    let mut b = in_state(S::LiveStarting);
    b.content_details.record_from_start = false;
    let b = machine::settle(&b, NOW).unwrap();
    assert_eq!(b.status.recording_status, RecordingStatus::NotRecording);
}

#[test]
fn completing_sets_actual_end_time_and_finishes_the_recording() {
    let live = machine::settle(&in_state(S::LiveStarting), NOW).unwrap();
    let later = NOW + Duration::minutes(30);
    let done = machine::transition(&live, Some(StreamStatus::Inactive), T::Complete, later)
        .unwrap()
        .broadcast;
    assert_eq!(done.state(), S::Complete);
    assert_eq!(done.snippet.actual_start_time, Some(NOW));
    assert_eq!(done.snippet.actual_end_time, Some(later));
    assert_eq!(done.status.recording_status, RecordingStatus::Recorded);
    assert!(machine::check_delete_broadcast(&done).is_ok());
}

#[test]
fn completing_a_test_records_nothing() {
    let done = machine::transition(&in_state(S::Testing), None, T::Complete, NOW)
        .unwrap()
        .broadcast;
    assert_eq!(done.status.recording_status, RecordingStatus::NotRecording);
    assert_eq!(done.snippet.actual_start_time, None);
    assert_eq!(done.snippet.actual_end_time, Some(NOW));
}

#[test]
fn statistics_are_dropped_on_complete_and_rendered_only_while_live() {
    let mut live = in_state(S::Live);
    live.statistics = Some(super::broadcast::BroadcastStatistics {
        concurrent_viewers: 7,
    });
    let parts = Parts::of(&[Part::Statistics]);
    assert_eq!(
        render::broadcast(&live, &parts)["statistics"]["concurrentViewers"],
        json!("7")
    );
    let done = machine::transition(&live, None, T::Complete, NOW)
        .unwrap()
        .broadcast;
    assert!(done.statistics.is_none());
    let mut testing = live.clone();
    testing.status.life_cycle_status = S::Testing;
    assert!(render::broadcast(&testing, &parts).get("statistics").is_none());
}

// ---------------------------------------------------------------- auto start / stop / scheduled end

fn auto(state: S) -> super::broadcast::Broadcast {
    let mut b = in_state(state);
    b.content_details.enable_auto_start = true;
    b.content_details.enable_auto_stop = true;
    b
}

#[test]
fn auto_start_fires_from_ready_and_testing_only() {
    for &state in S::ALL {
        let got = match machine::auto_start(&auto(state), Some(StreamStatus::Active), NOW) {
            AutoStart::Start(o) => Some(o.broadcast.state()),
            _ => None,
        };
        let want = matches!(state, S::Ready | S::Testing).then_some(S::LiveStarting);
        assert_eq!(got, want, "{state}");
    }
}

#[test]
fn auto_start_needs_the_flag_and_an_active_stream() {
    let mut b = auto(S::Ready);
    for s in [
        None,
        Some(StreamStatus::Ready),
        Some(StreamStatus::Inactive),
        Some(StreamStatus::Error),
    ] {
        assert_eq!(machine::auto_start(&b, s, NOW), AutoStart::No, "{s:?}");
    }
    b.content_details.enable_auto_start = false;
    assert_eq!(
        machine::auto_start(&b, Some(StreamStatus::Active), NOW),
        AutoStart::No
    );
}

#[test]
fn auto_start_skips_testing_even_with_the_monitor_on() {
    let b = auto(S::Ready);
    assert!(b.content_details.monitor_stream.enable_monitor_stream);
    assert!(
        matches!(machine::auto_start(&b, Some(StreamStatus::Active), NOW), AutoStart::Start(o) if o.settle_pending)
    );
}

#[test]
fn scheduled_start_extension_defers_auto_start_until_the_scheduled_time() {
    let mut b = auto(S::Ready);
    b.content_details.onair_start_at_scheduled_time = true;
    let start = b.snippet.scheduled_start_time;
    assert!(start > NOW);
    assert_eq!(
        machine::auto_start(&b, Some(StreamStatus::Active), NOW),
        AutoStart::WaitUntil(start)
    );
    assert!(matches!(
        machine::auto_start(&b, Some(StreamStatus::Active), start),
        AutoStart::Start(_)
    ));
}

#[test]
fn auto_stop_deadline_applies_to_starting_and_live_broadcasts_only() {
    let delay = Duration::seconds(60);
    for &state in S::ALL {
        let got = machine::auto_stop_deadline(&auto(state), NOW, delay);
        let want = matches!(state, S::LiveStarting | S::Live).then_some(NOW + delay);
        assert_eq!(got, want, "{state}");
    }
    let mut b = in_state(S::Live);
    b.content_details.enable_auto_stop = false;
    assert_eq!(machine::auto_stop_deadline(&b, NOW, delay), None);
}

#[test]
fn auto_stop_completes_after_the_deadline_while_the_stream_stays_inactive() {
    let deadline = NOW + Duration::seconds(60);
    for &state in S::ALL {
        let got = machine::auto_stop(&auto(state), Some(StreamStatus::Inactive), deadline, deadline)
            .map(|b| b.state());
        let want = matches!(state, S::LiveStarting | S::Live).then_some(S::Complete);
        assert_eq!(got, want, "{state}");
    }
}

#[test]
fn auto_stop_is_a_no_op_after_a_republish_before_the_deadline_or_when_late() {
    let b = auto(S::Live);
    let deadline = NOW + Duration::seconds(60);
    assert_eq!(
        machine::auto_stop(&b, Some(StreamStatus::Active), deadline, deadline),
        None
    );
    assert_eq!(
        machine::auto_stop(
            &b,
            Some(StreamStatus::Inactive),
            deadline,
            deadline - Duration::seconds(1)
        ),
        None
    );
    let done = machine::auto_stop(&b, Some(StreamStatus::Inactive), deadline, deadline).unwrap();
    assert_eq!(
        machine::auto_stop(&done, Some(StreamStatus::Inactive), deadline, deadline),
        None
    );
}

#[test]
fn scheduled_end_extension_completes_a_live_broadcast_at_its_end() {
    let end = NOW + Duration::hours(2);
    for &state in S::ALL {
        let mut b = in_state(state);
        b.snippet.scheduled_end_time = Some(end);
        b.content_details.onair_stop_at_scheduled_end_time = true;
        assert_eq!(machine::scheduled_end(&b, end - Duration::seconds(1)), None);
        let want = matches!(state, S::LiveStarting | S::Live).then_some(S::Complete);
        assert_eq!(
            machine::scheduled_end(&b, end).map(|b| b.state()),
            want,
            "{state}"
        );
        b.content_details.onair_stop_at_scheduled_end_time = false;
        assert_eq!(machine::scheduled_end(&b, end), None);
    }
}

// ---------------------------------------------------------------- bind / unbind / delete

const S2: BindTarget<'static> = BindTarget {
    stream_id: "s-2",
    is_reusable: true,
    bound_elsewhere: 0,
};

#[test]
fn bind_and_unbind_follow_the_state_table() {
    // (state, after bind, after unbind)
    let table: &[(S, &str, &str)] = &[
        (S::Created, "ready", "created"),
        (S::Ready, "ready", "created"),
        (
            S::TestStarting,
            "liveBroadcastBindingNotAllowed",
            "liveBroadcastBindingNotAllowed",
        ),
        (S::Testing, "testing", "testing"),
        (
            S::LiveStarting,
            "liveBroadcastBindingNotAllowed",
            "liveBroadcastBindingNotAllowed",
        ),
        (
            S::Live,
            "liveBroadcastBindingNotAllowed",
            "liveBroadcastBindingNotAllowed",
        ),
        (
            S::Complete,
            "liveBroadcastBindingNotAllowed",
            "liveBroadcastBindingNotAllowed",
        ),
        (
            S::Revoked,
            "liveBroadcastBindingNotAllowed",
            "liveBroadcastBindingNotAllowed",
        ),
    ];
    assert_eq!(table.len(), S::ALL.len());
    for &(state, bound, unbound) in table {
        let b = in_state(state);
        assert_eq!(
            state_of(machine::bind(&b, Some(S2), NOW)),
            bound,
            "bind in {state}"
        );
        assert_eq!(
            state_of(machine::bind(&b, None, NOW)),
            unbound,
            "unbind in {state}"
        );
    }
}

#[test]
fn bind_records_the_stream_and_the_time() {
    let b = machine::bind(&fresh(), Some(S2), NOW).unwrap();
    assert_eq!(b.bound_stream_id(), Some("s-2"));
    assert_eq!(b.content_details.bound_stream_last_update_time_ms, Some(NOW));
    let u = machine::bind(&b, None, NOW + Duration::seconds(1)).unwrap();
    assert_eq!(u.bound_stream_id(), None);
    assert_eq!(u.state(), S::Created);
}

#[test]
fn binding_a_non_reusable_stream_bound_elsewhere_is_refused() {
    let t = BindTarget {
        stream_id: "s-2",
        is_reusable: false,
        bound_elsewhere: 1,
    };
    assert_eq!(
        state_of(machine::bind(&fresh(), Some(t), NOW)),
        "liveBroadcastBindingNotAllowed"
    );
    let t = BindTarget {
        is_reusable: true,
        ..t
    };
    assert_eq!(state_of(machine::bind(&fresh(), Some(t), NOW)), "ready");
    let t = BindTarget {
        is_reusable: false,
        bound_elsewhere: 0,
        ..t
    };
    assert_eq!(state_of(machine::bind(&fresh(), Some(t), NOW)), "ready");
}

#[test]
fn rebinding_the_same_stream_and_unbinding_nothing_change_nothing() {
    let b = machine::bind(&fresh(), Some(S2), NOW).unwrap();
    assert_eq!(
        machine::bind(&b, Some(S2), NOW + Duration::seconds(9)).unwrap(),
        b
    );
    let f = fresh();
    assert_eq!(machine::bind(&f, None, NOW).unwrap(), f);
}

#[test]
fn broadcast_delete_follows_the_state_table() {
    for &state in S::ALL {
        let got = machine::check_delete_broadcast(&in_state(state))
            .err()
            .map(|e| e.reason.as_str());
        let ok = matches!(state, S::Created | S::Ready | S::Complete | S::Revoked);
        assert_eq!(got, (!ok).then_some("liveBroadcastDeletionNotAllowed"), "{state}");
    }
}

#[test]
fn a_stream_bound_to_an_unfinished_broadcast_cannot_be_deleted() {
    assert!(machine::check_delete_stream(&[]).is_ok());
    assert!(machine::check_delete_stream(&[S::Complete, S::Revoked]).is_ok());
    for &state in S::ALL.iter().filter(|s| !s.is_terminal()) {
        let err = machine::check_delete_stream(&[S::Complete, state]).unwrap_err();
        assert_eq!(err.reason.as_str(), "liveStreamDeletionNotAllowed", "{state}");
        assert_eq!(err.domain(), "youtube.liveStream");
    }
}

#[test]
fn a_cuepoint_needs_a_live_broadcast_with_an_active_stream() {
    for &state in S::ALL {
        let got = machine::check_cuepoint(&in_state(state), Some(StreamStatus::Active))
            .err()
            .map(|e| e.reason.as_str());
        let want = (state != S::Live).then_some("liveBroadcastNotLive");
        assert_eq!(got, want, "{state}");
    }
    let err = machine::check_cuepoint(&in_state(S::Live), Some(StreamStatus::Inactive)).unwrap_err();
    assert_eq!(err.reason.as_str(), "errorStreamInactive");
}

#[test]
fn a_stream_feeds_at_most_three_live_broadcasts() {
    assert!(machine::check_shared_ingestion(2).is_ok());
    assert_eq!(
        machine::check_shared_ingestion(3).unwrap_err().reason.as_str(),
        "sharedIngestionBroadcastsExceedLimit"
    );
}

// ---------------------------------------------------------------- mutation matrix (§5.4)

#[test]
fn mutation_matrix_matches_the_spec_with_its_gaps_decided() {
    use Mutation as M;
    // columns: created, ready, testStarting, testing, liveStarting, live, complete, revoked
    let table: &[(M, [bool; 8])] = &[
        (M::Metadata, [true, true, true, true, true, true, true, false]),
        (M::Schedule, [true, true, true, true, false, false, false, false]),
        (
            M::ContentDetails,
            [true, true, false, false, false, false, false, false],
        ),
        (M::Bind, [true, true, false, true, false, false, false, false]),
        (M::Delete, [true, true, false, false, false, false, true, true]),
        (
            M::Cuepoint,
            [false, false, false, false, false, true, false, false],
        ),
    ];
    assert_eq!(table.len(), M::ALL.len());
    for (m, row) in table {
        for (state, want) in S::ALL.iter().zip(row) {
            assert_eq!(machine::allowed(*m, *state), *want, "{m:?} in {state}");
        }
    }
}

fn update(
    b: &super::broadcast::Broadcast,
    part: &str,
    body: serde_json::Value,
) -> Result<super::broadcast::Broadcast, LifecycleError> {
    let parts = Parts::parse(Method::BroadcastUpdate, Some(part))?;
    let body = super::body::parse_body(&body, &parts)?;
    update_broadcast(b, &body, &parts, NOW)
}

fn reason_of<T>(r: Result<T, LifecycleError>) -> &'static str {
    r.err().map(|e| e.reason.as_str()).unwrap_or("ok")
}

const START: &str = "2025-01-01T13:00:00Z";

#[test]
fn update_title_and_privacy_in_every_state_but_revoked() {
    for &state in S::ALL {
        let b = in_state(state);
        let r = update(
            &b,
            "snippet,status",
            json!({"id": "b-1", "snippet": {"title": "New", "scheduledStartTime": START}, "status": {"privacyStatus": "public"}}),
        );
        let want = if state == S::Revoked {
            "modificationNotAllowed"
        } else {
            "ok"
        };
        assert_eq!(reason_of(r.clone()), want, "{state}");
        if let Ok(n) = r {
            assert_eq!(n.snippet.title, "New");
            assert_eq!(n.status.privacy_status, super::wire::PrivacyStatus::Public);
            assert_eq!(n.state(), state);
        }
    }
}

#[test]
fn update_schedule_only_before_going_live() {
    for &state in S::ALL {
        let b = in_state(state);
        let r = update(
            &b,
            "snippet",
            json!({"id": "b-1", "snippet": {"scheduledStartTime": "2025-01-02T10:00:00Z"}}),
        );
        let want = if machine::allowed(Mutation::Schedule, state) {
            "ok"
        } else {
            "modificationNotAllowed"
        };
        assert_eq!(reason_of(r), want, "{state}");
        // sending the unchanged schedule back is accepted in every state
        let same = update(
            &b,
            "snippet",
            json!({"id": "b-1", "snippet": {"scheduledStartTime": START}}),
        );
        assert_eq!(reason_of(same), "ok", "{state}");
    }
}

#[test]
fn update_content_details_only_while_created_or_ready() {
    let cases: &[(serde_json::Value, &str)] = &[
        (
            json!({"enableAutoStart": true}),
            "enableAutoStartModificationNotAllowed",
        ),
        (
            json!({"enableAutoStop": true}),
            "enableAutoStopModificationNotAllowed",
        ),
        (json!({"enableDvr": false}), "enableDvrModificationNotAllowed"),
        (
            json!({"recordFromStart": false}),
            "recordFromStartModificationNotAllowed",
        ),
        (
            json!({"monitorStream": {"enableMonitorStream": false}}),
            "enableMonitorStreamModificationNotAllowed",
        ),
        (
            json!({"monitorStream": {"broadcastStreamDelayMs": 5000}}),
            "enableMonitorStreamModificationNotAllowed",
        ),
        (
            json!({"closedCaptionsType": "closedCaptionsHttpPost"}),
            "closedCaptionsTypeModificationNotAllowed",
        ),
        (json!({"enableEmbed": false}), "modificationNotAllowed"),
        (json!({"latencyPreference": "low"}), "modificationNotAllowed"),
        (json!({"projection": "360"}), "modificationNotAllowed"),
    ];
    for &state in S::ALL {
        for (cd, frozen) in cases {
            let r = update(
                &in_state(state),
                "contentDetails",
                json!({"id": "b-1", "contentDetails": cd}),
            );
            let want = if machine::allowed(Mutation::ContentDetails, state) {
                "ok"
            } else {
                frozen
            };
            assert_eq!(reason_of(r), want, "{state} {cd}");
        }
    }
}

#[test]
fn a_record_from_start_lock_refuses_turning_it_off_in_every_state_and_keeps_the_rest() {
    for &state in S::ALL {
        let mut b = in_state(state);
        b.content_details.record_from_start_locked = true;
        let off = update(
            &b,
            "contentDetails",
            json!({"id": "b-1", "contentDetails": {"recordFromStart": false}}),
        );
        assert_eq!(
            reason_of(off.clone()),
            "recordFromStartModificationNotAllowed",
            "{state}"
        );
        assert!(
            off.err()
                .is_some_and(|e| e.message.contains("Content ID reference")),
            "{state}"
        );
        // Keeping it on is accepted wherever content details may change, and the lock is kept.
        let on = update(
            &b,
            "contentDetails",
            json!({"id": "b-1", "contentDetails": {"recordFromStart": true}}),
        );
        if machine::allowed(Mutation::ContentDetails, state) {
            let n = on.unwrap();
            assert!(n.content_details.record_from_start_locked, "{state}");
        }
    }
    // The lock is stored but never rendered.
    let mut b = in_state(S::Ready);
    b.content_details.record_from_start_locked = true;
    let stored = serde_json::to_value(&b).unwrap();
    assert_eq!(stored["contentDetails"]["recordFromStartLocked"], true);
    let back: super::broadcast::Broadcast = serde_json::from_value(stored).unwrap();
    assert_eq!(back, b);
    let shown = render::broadcast(&b, &Parts::of(&[Part::ContentDetails]));
    assert!(
        shown["contentDetails"].get("recordFromStartLocked").is_none(),
        "{shown}"
    );
    assert_eq!(shown["contentDetails"]["recordFromStart"], true);
    // An unlocked broadcast stores no flag at all (records written before the lock read back).
    let plain = serde_json::to_value(in_state(S::Ready)).unwrap();
    assert!(plain["contentDetails"].get("recordFromStartLocked").is_none());
}

#[test]
fn update_with_unchanged_content_details_is_accepted_in_any_state() {
    for &state in S::ALL {
        let r = update(
            &in_state(state),
            "contentDetails",
            json!({"id": "b-1", "contentDetails": {}}),
        );
        assert_eq!(reason_of(r), "ok", "{state}");
    }
}

#[test]
fn update_replaces_by_part_with_youtubes_exemptions() {
    let mut b = fresh();
    b.snippet.description = "old".into();
    b.content_details.enable_auto_start = true;
    b.content_details.enable_dvr = false;
    let n = update(
        &b,
        "snippet,contentDetails",
        json!({"id": "b-1", "snippet": {"scheduledStartTime": START}, "contentDetails": {}}),
    )
    .unwrap();
    assert_eq!(n.snippet.title, "Launch", "omitted title is kept");
    assert_eq!(n.snippet.description, "", "omitted description is cleared");
    assert!(
        !n.content_details.enable_auto_start,
        "omitted enableAutoStart resets to its default"
    );
    assert!(!n.content_details.enable_dvr, "omitted enableDvr is kept");
    assert_eq!(
        n.content_details.monitor_stream.embed_html,
        b.content_details.monitor_stream.embed_html
    );
    // parts not named are untouched
    let n = update(&b, "status", json!({"id": "b-1", "status": {}})).unwrap();
    assert_eq!(n, b);
}

#[test]
fn update_requires_id_and_scheduled_start_time() {
    let b = fresh();
    assert_eq!(
        reason_of(update(&b, "status", json!({"status": {}}))),
        "idRequired"
    );
    assert_eq!(
        reason_of(update(
            &b,
            "snippet",
            json!({"id": "b-1", "snippet": {"title": "x"}})
        )),
        "scheduledStartTimeRequired"
    );
    assert_eq!(
        reason_of(update(
            &b,
            "snippet",
            json!({"id": "b-1", "snippet": {"title": "", "scheduledStartTime": START}})
        )),
        "invalidTitle"
    );
    assert_eq!(
        reason_of(update(
            &b,
            "status",
            json!({"id": "b-1", "status": {"privacyStatus": "x"}})
        )),
        "invalidPrivacyStatus"
    );
    assert_eq!(
        reason_of(update(
            &b,
            "snippet",
            json!({"id": "b-1", "snippet": {"scheduledStartTime": START, "scheduledEndTime": START}})
        )),
        "invalidScheduledEndTime"
    );
    assert_eq!(
        reason_of(update(&b, "snippet", json!({"id": "b-1", "status": {}}))),
        "unexpectedPart"
    );
}

#[test]
fn update_never_changes_state_binding_or_server_fields() {
    let b = machine::settle(&in_state(S::LiveStarting), NOW).unwrap();
    let n = update(
        &b,
        "snippet,status,contentDetails",
        json!({
            "id": "b-1",
            "snippet": {"title": "T", "scheduledStartTime": START, "actualStartTime": "2020-01-01T00:00:00Z"},
            "status": {"lifeCycleStatus": "complete", "recordingStatus": "recorded"},
            "contentDetails": {"boundStreamId": "other"}
        }),
    )
    .unwrap();
    assert_eq!(n.state(), S::Live);
    assert_eq!(n.status.recording_status, RecordingStatus::Recording);
    assert_eq!(n.bound_stream_id(), Some("s-1"));
    assert_eq!(n.snippet.actual_start_time, Some(NOW));
}

// ---------------------------------------------------------------- insert

#[test]
fn insert_creates_a_created_broadcast_with_defaults() {
    let b = fresh();
    assert_eq!(b.state(), S::Created);
    assert_eq!(b.status.recording_status, RecordingStatus::NotRecording);
    assert_eq!(b.snippet.published_at, NOW);
    assert_eq!(b.channel_id(), &channel());
    assert!(b.content_details.monitor_stream.enable_monitor_stream);
    assert!(b.content_details.monitor_stream.embed_html.is_some());
    assert_eq!(b.bound_stream_id(), None);
}

#[test]
fn insert_refuses_missing_required_fields() {
    assert_eq!(
        reason_of(insert_broadcast(
            json!({"status": {"privacyStatus": "public"}}),
            "status"
        )),
        "titleRequired"
    );
    assert_eq!(
        reason_of(insert_broadcast(
            json!({"snippet": {"title": "x"}, "status": {"privacyStatus": "public"}}),
            "snippet,status"
        )),
        "scheduledStartTimeRequired"
    );
    assert_eq!(
        reason_of(insert_broadcast(
            json!({"snippet": {"title": "x", "scheduledStartTime": START}}),
            "snippet"
        )),
        "privacyStatusRequired"
    );
    assert_eq!(
        reason_of(insert_broadcast(
            json!({"snippet": {"title": "x", "scheduledStartTime": "2024-01-01T00:00:00Z"}, "status": {"privacyStatus": "public"}}),
            "snippet,status"
        )),
        "invalidScheduledStartTime"
    );
}

#[test]
fn insert_refuses_body_parts_not_named_by_part() {
    assert_eq!(
        reason_of(insert_broadcast(broadcast_json(), "snippet")),
        "unexpectedPart"
    );
    assert_eq!(
        reason_of(insert_broadcast(broadcast_json(), "snippet,status,statistics")),
        "unexpectedPart"
    );
    assert_eq!(
        reason_of(insert_broadcast(broadcast_json(), "snippet,status,bogus")),
        "unknownPart"
    );
    assert_eq!(
        reason_of(insert_broadcast(json!({"snippet": {"title": 5}}), "snippet")),
        "parseError"
    );
}

#[test]
fn insert_takes_content_details_and_extension_flags() {
    let mut j = broadcast_json();
    j["contentDetails"] = json!({"enableAutoStart": true, "enableAutoStop": true, "monitorStream": {"enableMonitorStream": false}, "onairStartAtScheduledTime": true});
    let b = insert_broadcast(j, "snippet,status,contentDetails").unwrap();
    assert!(b.content_details.enable_auto_start && b.content_details.enable_auto_stop);
    assert!(!b.content_details.monitor_stream.enable_monitor_stream);
    assert!(b.content_details.onair_start_at_scheduled_time);
    assert!(!b.content_details.onair_stop_at_scheduled_end_time);
}

#[test]
fn broadcast_records_round_trip_with_wire_names() {
    let b = machine::settle(&in_state(S::LiveStarting), NOW).unwrap();
    let v = serde_json::to_value(&b).unwrap();
    assert_eq!(v["status"]["lifeCycleStatus"], "live");
    assert_eq!(v["snippet"]["actualStartTime"], "2025-01-01T12:00:00Z");
    assert_eq!(v["contentDetails"]["monitorStream"]["enableMonitorStream"], true);
    assert_eq!(v["contentDetails"]["boundStreamId"], "s-1");
    let back: super::broadcast::Broadcast = serde_json::from_value(v).unwrap();
    assert_eq!(back, b);
}

// ---------------------------------------------------------------- streams

#[test]
fn stream_insert_is_ready_with_no_data_and_reusable_by_default() {
    let s = insert_stream(stream_json(), "snippet,cdn").unwrap();
    assert_eq!(s.stream_status(), StreamStatus::Ready);
    assert_eq!(s.status.health_status.status, HealthStatus::NoData);
    assert!(s.content_details.is_reusable);
    assert_eq!(
        s.cdn.ingestion_info.ingestion_address,
        "rtmp://127.0.0.1:1935/live"
    );
    let mut j = stream_json();
    j["contentDetails"] = json!({"isReusable": false});
    assert!(
        !insert_stream(j, "snippet,cdn,contentDetails")
            .unwrap()
            .content_details
            .is_reusable
    );
}

#[test]
fn stream_insert_refuses_missing_or_invalid_fields() {
    assert_eq!(
        reason_of(insert_stream(json!({"snippet": {"title": "x"}}), "snippet,cdn")),
        "cdnRequired"
    );
    assert_eq!(
        reason_of(insert_stream(json!({"cdn": stream_json()["cdn"]}), "cdn")),
        "titleRequired"
    );
    let mut j = stream_json();
    j["snippet"]["title"] = json!("t".repeat(129));
    assert_eq!(reason_of(insert_stream(j, "snippet,cdn")), "invalidTitle");
    let mut j = stream_json();
    j["cdn"]["resolution"] = json!("8k");
    assert_eq!(reason_of(insert_stream(j, "snippet,cdn")), "invalidResolution");
    assert_eq!(
        reason_of(insert_stream(stream_json(), "snippet")),
        "unexpectedPart"
    );
}

#[test]
fn stream_debug_never_shows_the_key_but_the_owner_rendering_does() {
    let s = insert_stream(stream_json(), "snippet,cdn").unwrap();
    assert!(!format!("{s:?}").contains("key-123"));
    let v = render::stream(&s, &Parts::of(&[Part::Cdn]));
    assert_eq!(v["cdn"]["ingestionInfo"]["streamName"], "key-123");
    assert_eq!(v["kind"], "youtube#liveStream");
}

fn stream_update(part: &str, body: serde_json::Value) -> &'static str {
    let s = insert_stream(stream_json(), "snippet,cdn").unwrap();
    let parts = match Parts::parse(Method::StreamUpdate, Some(part)) {
        Ok(p) => p,
        Err(e) => return e.reason.as_str(),
    };
    let body = match super::body::parse_body(&body, &parts) {
        Ok(b) => b,
        Err(e) => return e.reason.as_str(),
    };
    reason_of(update_stream(&s, &body, &parts))
}

#[test]
fn stream_update_changes_only_title_and_description() {
    let cdn = stream_json()["cdn"].clone();
    assert_eq!(
        stream_update(
            "snippet,cdn",
            json!({"id": "s-1", "snippet": {"title": "B"}, "cdn": cdn})
        ),
        "ok"
    );
    let mut c = cdn.clone();
    c["resolution"] = json!("1080p");
    assert_eq!(
        stream_update(
            "snippet,cdn",
            json!({"id": "s-1", "snippet": {"title": "B"}, "cdn": c})
        ),
        "liveStreamModificationNotAllowed"
    );
    let mut c = cdn.clone();
    c["frameRate"] = json!("60fps");
    assert_eq!(
        stream_update("cdn", json!({"id": "s-1", "cdn": c})),
        "liveStreamModificationNotAllowed"
    );
    let mut c = cdn.clone();
    c["ingestionType"] = json!("hls");
    assert_eq!(
        stream_update("cdn", json!({"id": "s-1", "cdn": c})),
        "liveStreamModificationNotAllowed"
    );
    let mut c = cdn.clone();
    c["ingestionInfo"] = json!({"streamName": "stolen"});
    assert_eq!(
        stream_update("cdn", json!({"id": "s-1", "cdn": c})),
        "liveStreamModificationNotAllowed"
    );
    let mut c = cdn.clone();
    c["ingestionInfo"] = json!({"streamName": "key-123", "ingestionAddress": "rtmp://127.0.0.1:1935/live"});
    assert_eq!(stream_update("cdn", json!({"id": "s-1", "cdn": c})), "ok");
    assert_eq!(
        stream_update("cdn", json!({"id": "s-1", "cdn": {"resolution": "720p"}})),
        "ingestionTypeRequired"
    );
}

#[test]
fn stream_update_refuses_flipping_is_reusable() {
    assert_eq!(
        stream_update(
            "contentDetails",
            json!({"id": "s-1", "contentDetails": {"isReusable": false}})
        ),
        "liveStreamModificationNotAllowed"
    );
    assert_eq!(
        stream_update(
            "contentDetails",
            json!({"id": "s-1", "contentDetails": {"isReusable": true}})
        ),
        "ok"
    );
}

#[test]
fn stream_update_requires_id_and_title() {
    assert_eq!(
        stream_update("snippet", json!({"snippet": {"title": "x"}})),
        "idRequired"
    );
    assert_eq!(
        stream_update("snippet", json!({"id": "s-1", "snippet": {}})),
        "titleRequired"
    );
    assert_eq!(
        stream_update("snippet", json!({"id": "s-1", "snippet": {"title": ""}})),
        "invalidTitle"
    );
}

// ---------------------------------------------------------------- stream status machine (§8)

fn status(s: StreamStatus) -> StreamStatusPart {
    StreamStatusPart {
        stream_status: s,
        health_status: StreamHealth {
            status: HealthStatus::NoData,
            last_update_time_seconds: 0,
            configuration_issues: vec![],
        },
    }
}

fn event_name(e: &IngestEvent) -> &'static str {
    match e {
        IngestEvent::PublishStarted => "publish",
        IngestEvent::PublishStopped => "publish_done",
        IngestEvent::Update(_) => "update",
        IngestEvent::Failed => "failed",
    }
}

#[test]
fn stream_machine_table_covers_every_status_and_event() {
    use StreamStatus::*;
    // (from, event) → (to, health, became_active, became_inactive); `update` carries bytes and no issues
    let table: &[(StreamStatus, &str, StreamStatus, HealthStatus, bool, bool)] = &[
        (Created, "publish", Active, HealthStatus::Good, true, false),
        (
            Created,
            "publish_done",
            Created,
            HealthStatus::NoData,
            false,
            false,
        ),
        (Created, "update", Created, HealthStatus::NoData, false, false),
        (Created, "failed", Error, HealthStatus::Bad, false, false),
        (Ready, "publish", Active, HealthStatus::Good, true, false),
        (Ready, "publish_done", Ready, HealthStatus::NoData, false, false),
        (Ready, "update", Ready, HealthStatus::NoData, false, false),
        (Ready, "failed", Error, HealthStatus::Bad, false, false),
        (Active, "publish", Active, HealthStatus::NoData, false, false),
        (
            Active,
            "publish_done",
            Inactive,
            HealthStatus::NoData,
            false,
            true,
        ),
        (Active, "update", Active, HealthStatus::Good, false, false),
        (Active, "failed", Error, HealthStatus::Bad, false, true),
        (Inactive, "publish", Active, HealthStatus::Good, true, false),
        (
            Inactive,
            "publish_done",
            Inactive,
            HealthStatus::NoData,
            false,
            false,
        ),
        (Inactive, "update", Inactive, HealthStatus::NoData, false, false),
        (Inactive, "failed", Error, HealthStatus::Bad, false, false),
        (Error, "publish", Active, HealthStatus::Good, true, false),
        (
            Error,
            "publish_done",
            Inactive,
            HealthStatus::NoData,
            false,
            false,
        ),
        (Error, "update", Error, HealthStatus::NoData, false, false),
        (Error, "failed", Error, HealthStatus::Bad, false, false),
    ];
    assert_eq!(
        table.len(),
        StreamStatus::ALL.len() * IngestEvent::samples().len()
    );
    for &(from, ev, to, health, up, down) in table {
        let event = match ev {
            "update" => IngestEvent::Update(HealthReport {
                bytes_since_last: 1000,
                issues: vec![],
            }),
            _ => IngestEvent::samples()
                .into_iter()
                .find(|e| event_name(e) == ev)
                .unwrap(),
        };
        let change = ingest::apply(&status(from), &event, NOW);
        assert_eq!(change.status.stream_status, to, "{from} + {ev}");
        assert_eq!(change.status.health_status.status, health, "{from} + {ev}");
        assert_eq!(
            (change.became_active, change.became_inactive),
            (up, down),
            "{from} + {ev}"
        );
        assert_eq!(change.changed, change.status != status(from), "{from} + {ev}");
    }
}

fn issue(severity: IssueSeverity) -> ConfigurationIssue {
    ConfigurationIssue {
        kind: "bitrateLow".into(),
        severity,
        reason: "r".into(),
        description: "d".into(),
    }
}

#[test]
fn health_follows_the_worst_issue_and_silence_is_no_data() {
    let active = ingest::apply(&status(StreamStatus::Ready), &IngestEvent::PublishStarted, NOW).status;
    let upd = |bytes, issues| {
        ingest::apply(
            &active,
            &IngestEvent::Update(HealthReport {
                bytes_since_last: bytes,
                issues,
            }),
            NOW + Duration::seconds(10),
        )
    };
    assert_eq!(upd(1, vec![]).status.health_status.status, HealthStatus::Good);
    assert_eq!(
        upd(1, vec![issue(IssueSeverity::Info)])
            .status
            .health_status
            .status,
        HealthStatus::Good
    );
    assert_eq!(
        upd(1, vec![issue(IssueSeverity::Info), issue(IssueSeverity::Warning)])
            .status
            .health_status
            .status,
        HealthStatus::Ok
    );
    assert_eq!(
        upd(
            1,
            vec![issue(IssueSeverity::Warning), issue(IssueSeverity::Error)]
        )
        .status
        .health_status
        .status,
        HealthStatus::Bad
    );
    let silent = upd(0, vec![]);
    assert_eq!(silent.status.health_status.status, HealthStatus::NoData);
    assert_eq!(silent.status.stream_status, StreamStatus::Active);
    assert_eq!(
        silent.status.health_status.last_update_time_seconds,
        (NOW + Duration::seconds(10)).unix_timestamp() as u64
    );
    // an unchanged report changes nothing, not even the timestamp
    let same = ingest::apply(
        &active,
        &IngestEvent::Update(HealthReport {
            bytes_since_last: 5,
            issues: vec![],
        }),
        NOW + Duration::hours(1),
    );
    assert!(!same.changed);
    assert_eq!(same.status, active);
}

// ---------------------------------------------------------------- rendering

#[test]
fn render_returns_kind_etag_id_and_exactly_the_named_parts() {
    let b = fresh();
    let v = render::broadcast(&b, &Parts::of(&[Part::Id, Part::Status]));
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["etag", "id", "kind", "status"]);
    assert_eq!(v["kind"], "youtube#liveBroadcast");
    assert_eq!(v["status"]["lifeCycleStatus"], "created");
}

#[test]
fn etag_changes_with_the_representation() {
    let parts = Parts::of(&[Part::Status]);
    let a = render::broadcast(&fresh(), &parts);
    assert_eq!(a["etag"], render::broadcast(&fresh(), &parts)["etag"]);
    let ready = machine::bind(&fresh(), Some(S2), NOW).unwrap();
    assert_ne!(a["etag"], render::broadcast(&ready, &parts)["etag"]);
}

#[test]
fn end_unaired_completes_only_a_created_or_ready_broadcast() {
    for &state in S::ALL {
        let got = machine::end_unaired(&in_state(state), NOW);
        if matches!(state, S::Created | S::Ready) {
            let done = got.unwrap();
            assert_eq!(done.state(), S::Complete, "{state}");
            assert_eq!(done.snippet.actual_end_time, Some(NOW));
        } else {
            assert!(got.is_none(), "{state}");
        }
    }
}
