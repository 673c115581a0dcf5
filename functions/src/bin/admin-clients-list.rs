//! `GET /admin/clients`: lists OAuth clients, newest first.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-clients-list")
}
