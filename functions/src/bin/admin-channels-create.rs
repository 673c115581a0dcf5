//! `POST /admin/users/{userId}/channels`: creates a channel owned by a user.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-channels-create")
}
