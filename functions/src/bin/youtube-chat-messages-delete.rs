//! Lambda: YouTube liveChatMessages.delete.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-chat-messages-delete")
}
