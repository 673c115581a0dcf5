//! Lambda: Content ID ad-options-patch.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-ad-options-patch")
}
