//! Lambda: Content ID match-policy-patch.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-match-policy-patch")
}
