//! `GET /admin/users/{userId}`: reads one user.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-users-get")
}
