//! `onair-local`: the whole API on one port (README's first command); `onair-local --openapi` prints
//! the OpenAPI document instead.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--openapi") {
        return onair_platform::local::print_openapi();
    }
    onair_platform::local::main().await
}
