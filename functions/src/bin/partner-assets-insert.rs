//! Lambda: Content ID assets-insert.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-assets-insert")
}
