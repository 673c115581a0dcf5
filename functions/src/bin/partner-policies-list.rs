//! Lambda: Content ID policies-list.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("partner-policies-list")
}
