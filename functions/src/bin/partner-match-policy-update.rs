//! Lambda: Content ID match-policy-update.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-match-policy-update")
}
