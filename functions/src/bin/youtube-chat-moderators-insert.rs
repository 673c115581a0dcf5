//! Lambda: YouTube liveChatModerators.insert.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-chat-moderators-insert")
}
