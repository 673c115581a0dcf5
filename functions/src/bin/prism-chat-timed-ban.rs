//! Lambda: PRISM chat timed ban (O5).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-chat-timed-ban")
}
