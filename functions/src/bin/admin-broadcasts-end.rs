//! `POST /admin/users/{userId}/broadcasts/{broadcastId}/end`: the platform ends any broadcast.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-broadcasts-end")
}
