//! Lambda: the admin audit trail of one day.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-audit-list")
}
