//! `POST /admin/users`: creates a user.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-users-create")
}
