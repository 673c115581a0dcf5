//! Lambda: YouTube liveChatMessages.insert.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-chat-messages-insert")
}
