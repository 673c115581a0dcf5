//! Lambda: YouTube liveChatBans.insert.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-chat-bans-insert")
}
