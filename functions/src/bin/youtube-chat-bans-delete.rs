//! Lambda: YouTube liveChatBans.delete.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-chat-bans-delete")
}
