//! Lambda: YouTube liveBroadcasts.cuepoint.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-broadcasts-cuepoint")
}
