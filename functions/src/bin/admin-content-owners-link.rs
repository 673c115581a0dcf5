//! Lambda: admin content-owners-link.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-content-owners-link")
}
