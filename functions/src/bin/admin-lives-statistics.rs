//! `PUT /admin/lives/{liveId}/statistics`: records an audience snapshot of a PRISM live.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-lives-statistics")
}
