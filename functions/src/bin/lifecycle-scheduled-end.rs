//! Lambda (lifecycle step): completes a live broadcast at its scheduled end.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("lifecycle-scheduled-end")
}
