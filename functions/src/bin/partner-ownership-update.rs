//! Lambda: Content ID ownership-update.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-ownership-update")
}
