//! Lambda: YouTube liveBroadcasts.list.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-broadcasts-list")
}
