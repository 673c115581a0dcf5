//! Lambda: PRISM chat moderator revoke (O8).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-chat-unmod")
}
