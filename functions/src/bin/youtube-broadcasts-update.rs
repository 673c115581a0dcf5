//! Lambda: YouTube liveBroadcasts.update.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-broadcasts-update")
}
