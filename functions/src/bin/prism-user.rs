//! Lambda: PRISM's user info.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-user")
}
