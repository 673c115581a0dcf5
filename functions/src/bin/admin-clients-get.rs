//! `GET /admin/clients/{clientId}`: reads one OAuth client.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-clients-get")
}
