//! Lambda: PRISM's channel info.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-channel-get")
}
