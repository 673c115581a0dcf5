//! The access-token signing key's lifecycle: scheduled rotation.

pub mod rotate;

use crate::registry::{Access, Function, Schedule, SecretAccess, Trigger};

/// The signing-key functions.
pub static FUNCTIONS: &[Function] = &[Function {
    name: "keys-rotate",
    trigger: Trigger::Schedule(Schedule {
        handler: rotate::rotate,
        interval_parameter: "SigningKeyRotationDays",
        default_interval_days: 30,
        switch_parameter: "SigningKeyRotation",
        description: "rotates the access-token signing key; the old key keeps verifying for one access-token lifetime more",
    }),
    access: Access::NONE.secrets(&[SecretAccess::SigningKeyRotate]),
}];
