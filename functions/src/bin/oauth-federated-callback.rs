//! Lambda: the return from the platform's OpenID provider.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("oauth-federated-callback")
}
