//! Lambda: YouTube liveStreams.list.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-streams-list")
}
