//! `PATCH /admin/users/{userId}/channels/{channelId}`: changes a channel.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-channels-update")
}
