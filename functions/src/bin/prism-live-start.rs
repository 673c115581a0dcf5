//! Lambda: PRISM live start.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-live-start")
}
