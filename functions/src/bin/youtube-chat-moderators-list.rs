//! Lambda: YouTube liveChatModerators.list.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-chat-moderators-list")
}
