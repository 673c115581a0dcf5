//! `DELETE /admin/users/{userId}`: removes a user.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-users-delete")
}
