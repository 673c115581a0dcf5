//! `cargo run -p onair-xtask -- template [--check]`: writes `template.yaml` from the registry and
//! `infra/template/base.yaml`; with `--check`, writes nothing and exits non-zero when the committed file
//! differs from what would be generated.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["template"] => write(false),
        ["template", "--check"] => write(true),
        _ => {
            eprintln!("usage: cargo run -p onair-xtask -- template [--check]");
            ExitCode::from(2)
        }
    }
}

fn write(check: bool) -> ExitCode {
    let path = onair_xtask::template_path();
    let generated = onair_xtask::template::render();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if check {
        if committed == generated {
            eprintln!("{} is up to date", path.display());
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "{} differs from the registry + infra/template/base.yaml: run `cargo run -p onair-xtask -- template` and commit the result",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    if committed == generated {
        eprintln!("{} is up to date", path.display());
        return ExitCode::SUCCESS;
    }
    match std::fs::write(&path, generated) {
        Ok(()) => {
            eprintln!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cannot write {}: {err}", path.display());
            ExitCode::FAILURE
        }
    }
}
