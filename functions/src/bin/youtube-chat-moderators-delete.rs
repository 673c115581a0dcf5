//! Lambda: YouTube liveChatModerators.delete.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-chat-moderators-delete")
}
