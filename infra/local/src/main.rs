//! `onair-local`: the whole API on one port (README's first command).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    onair_platform::local::main().await
}
