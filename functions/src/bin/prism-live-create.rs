//! Lambda: PRISM live create.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-live-create")
}
