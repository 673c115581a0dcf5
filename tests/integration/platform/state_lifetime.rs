//! An application state is freed when its last owner goes — its stores, caches and password-hashing
//! threads with it — on both stores, also after the embedded step scheduler has fired a step into it.
//! (The scheduler holds its dispatcher and the dispatcher a state: a strong handle back would be a
//! cycle, and the test binary, building one state per test, once grew past 24 GiB that way.)

use crate::support::oauth::create_user;
use crate::support::{Backend, TestApp};
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::{Clock, UserId};
use std::sync::Arc;
use std::time::Duration;

crate::support::on_both_backends!(
    a_dropped_state_frees_its_password_hashing_pool,
    a_state_whose_scheduler_fired_a_step_is_freed_too,
);

async fn a_dropped_state_frees_its_password_hashing_pool(backend: Backend) {
    let app = TestApp::new(backend).await;
    let router = app.router();
    // A user created through the admin API: a password hashed on the pool's threads.
    create_user(&router, "lifetime").await;
    let hashing = Arc::downgrade(&app.state.hashing);
    drop(router);
    drop(app);
    assert!(
        hashing.upgrade().is_none(),
        "the state outlived its owners (a reference cycle keeps it)"
    );
}

async fn a_state_whose_scheduler_fired_a_step_is_freed_too(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = create_user(&app.router(), "lifetime").await;
    let hashing = Arc::downgrade(&app.state.hashing);
    // A step due now for a broadcast that does not exist: it fires at once, its function finds
    // nothing to do, and the timer task ends.
    let step = Step {
        kind: StepKind::Settle,
        target: "no-such-broadcast".into(),
        owner: UserId::parse(&owner).unwrap(),
        due: app.clock.now(),
        version: 1,
    };
    app.state.steps.schedule(&step).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(app);
    assert!(
        hashing.upgrade().is_none(),
        "the state outlived its owners after a fired step"
    );
}
