//! `GET /youtube/v3/videos`: the videos of the caller's broadcasts (`videos.list`).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-videos-list")
}
