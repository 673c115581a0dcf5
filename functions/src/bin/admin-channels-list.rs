//! `GET /admin/users/{userId}/channels`: lists a user's channels.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-channels-list")
}
