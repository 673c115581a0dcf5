//! Lambda (lifecycle step): completes testStarting/liveStarting.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("lifecycle-settle")
}
