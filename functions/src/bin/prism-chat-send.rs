//! Lambda: PRISM chat send (O2).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-chat-send")
}
