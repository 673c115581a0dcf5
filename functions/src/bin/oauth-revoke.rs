//! Lambda: token revocation (RFC 7009).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("oauth-revoke")
}
