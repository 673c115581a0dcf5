//! Lambda: YouTube liveChatMessages.list.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-chat-messages-list")
}
