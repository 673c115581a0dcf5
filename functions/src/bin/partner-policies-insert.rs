//! Lambda: Content ID policies-insert.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-policies-insert")
}
