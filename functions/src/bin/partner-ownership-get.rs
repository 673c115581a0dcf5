//! Lambda: Content ID ownership-get.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-ownership-get")
}
