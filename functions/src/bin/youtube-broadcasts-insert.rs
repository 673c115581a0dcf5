//! Lambda: YouTube liveBroadcasts.insert.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-broadcasts-insert")
}
