//! Lambda (lifecycle step): reacts to a stream's status change (auto-start, auto-stop planning).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("lifecycle-stream-changed")
}
