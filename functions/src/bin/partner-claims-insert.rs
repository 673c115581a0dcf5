//! Lambda: Content ID claims-insert.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-claims-insert")
}
