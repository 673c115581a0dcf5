//! Lambda: PRISM's channel list.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-channel-list")
}
