//! Lambda: YouTube liveStreams.update.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-streams-update")
}
