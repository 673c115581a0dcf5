//! Lambda: Content ID references-get.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-references-get")
}
