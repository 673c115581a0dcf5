//! Lambda: Content ID references-insert.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-references-insert")
}
