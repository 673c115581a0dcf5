//! Lambda (HTTP): nginx-rtmp's publish hooks (`on_publish`, `on_update`, `on_publish_done`).
fn main() -> std::process::ExitCode {
    onair_platform::lambda::run("ingest-nginx-rtmp")
}
