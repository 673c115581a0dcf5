//! Lambda: admin content-owners-get.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-content-owners-get")
}
