//! Lambda: PRISM chat moderator grant (O7).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-chat-mod")
}
