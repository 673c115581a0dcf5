//! Lambda (lifecycle step): starts an auto-start broadcast at its scheduled start.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("lifecycle-scheduled-start")
}
