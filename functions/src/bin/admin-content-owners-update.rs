//! Lambda: admin content-owners-update.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-content-owners-update")
}
