//! Lambda: admin content-owners-create.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-content-owners-create")
}
