//! Lambda (lifecycle step): completes an auto-stop broadcast whose stream stayed inactive.
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("lifecycle-auto-stop")
}
