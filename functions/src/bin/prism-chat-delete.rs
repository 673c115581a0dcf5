//! Lambda: PRISM chat delete (O3).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-chat-delete")
}
