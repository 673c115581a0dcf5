//! `PUT /admin/users/{userId}/videos/{videoId}/processing`: the media plane reports a recording processed.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("admin-videos-processing")
}
