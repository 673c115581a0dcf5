//! Lambda: the login form's submission.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("oauth-login")
}
