//! Lambda: PRISM chat ban (O4).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-chat-ban")
}
