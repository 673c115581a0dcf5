//! `POST /admin/users/{userId}/lives/{liveId}/end`: the platform ends a PRISM live.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-lives-end")
}
