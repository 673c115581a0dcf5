//! Lambda: PRISM live stop.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-live-stop")
}
