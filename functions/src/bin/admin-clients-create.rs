//! `POST /admin/clients`: registers an OAuth client and returns its secret once.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-clients-create")
}
