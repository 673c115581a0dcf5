//! `GET /admin/users/{userId}/channels/{channelId}`: reads one channel of a user.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-channels-get")
}
