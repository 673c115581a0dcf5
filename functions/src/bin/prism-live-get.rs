//! Lambda: PRISM live get.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-live-get")
}
