//! Lambda: PRISM live list.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-live-list")
}
