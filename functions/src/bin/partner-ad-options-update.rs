//! Lambda: Content ID ad-options-update.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-ad-options-update")
}
