//! Lambda: PRISM chat list (O1).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-chat-list")
}
