//! The deployed adapter of the step-scheduler port ([`crate::StepScheduler`]): EventBridge Scheduler for
//! the minute-scale steps and SQS delay queues for the sub-minute ones ([`aws::AwsSteps`]). The
//! in-process adapter the local server uses is [`crate::embedded::EmbeddedSteps`].

pub mod aws;

pub use aws::{AwsSteps, StepTargets};
