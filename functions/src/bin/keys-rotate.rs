//! Lambda (EventBridge Scheduler): the scheduled rotation of the access-token signing key.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("keys-rotate")
}
