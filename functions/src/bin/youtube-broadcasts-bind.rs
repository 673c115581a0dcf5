//! Lambda: YouTube liveBroadcasts.bind (and unbind).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("youtube-broadcasts-bind")
}
