//! Lambda: Content ID match-policy-get.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-match-policy-get")
}
