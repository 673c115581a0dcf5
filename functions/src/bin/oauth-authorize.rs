//! Lambda: the authorization endpoint: the login page.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("oauth-authorize")
}
