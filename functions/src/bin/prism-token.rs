//! Lambda: PRISM's token endpoint.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("prism-token")
}
