//! Lambda: Content ID claims-get.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-claims-get")
}
