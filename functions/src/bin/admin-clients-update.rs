//! `PATCH /admin/clients/{clientId}`: renames a client or replaces its redirect URIs.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-clients-update")
}
