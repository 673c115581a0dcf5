//! Lambda: authorization server metadata (RFC 8414).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("oauth-metadata")
}
