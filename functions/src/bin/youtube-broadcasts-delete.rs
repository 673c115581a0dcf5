//! Lambda: YouTube liveBroadcasts.delete.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-broadcasts-delete")
}
