//! Lambda: PRISM chat unban (O6).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-chat-unban")
}
