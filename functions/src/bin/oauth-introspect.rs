//! Lambda: token introspection (RFC 7662).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("oauth-introspect")
}
