//! Lambda: YouTube liveStreams.delete.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-streams-delete")
}
