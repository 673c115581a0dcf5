//! Lambda: admin content-owners-unlink.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-content-owners-unlink")
}
