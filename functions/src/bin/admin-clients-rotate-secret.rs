//! `POST /admin/clients/{clientId}/rotate-secret`: issues a new client secret (the old one overlaps).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-clients-rotate-secret")
}
