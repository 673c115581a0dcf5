//! Lambda: YouTube liveBroadcasts.transition.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-broadcasts-transition")
}
