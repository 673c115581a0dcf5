//! Lambda: the standard OAuth token endpoint.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("oauth-token")
}
