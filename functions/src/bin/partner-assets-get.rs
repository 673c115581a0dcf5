//! Lambda: Content ID assets-get.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-assets-get")
}
