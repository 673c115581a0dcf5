//! Lambda (EventBridge `onair.media` / `Recording Processed`): the media plane reports a recording processed.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("media-recording-processed")
}
