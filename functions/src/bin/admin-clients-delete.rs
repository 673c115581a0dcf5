//! `DELETE /admin/clients/{clientId}`: removes a client and its secret.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-clients-delete")
}
