//! Lambda: YouTube liveStreams.insert.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-streams-insert")
}
