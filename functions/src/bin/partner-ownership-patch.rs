//! Lambda: Content ID ownership-patch.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-ownership-patch")
}
