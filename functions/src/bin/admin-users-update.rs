//! `PATCH /admin/users/{userId}`: changes a user's profile or password.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-users-update")
}
