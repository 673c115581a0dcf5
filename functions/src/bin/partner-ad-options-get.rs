//! Lambda: Content ID ad-options-get.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-ad-options-get")
}
