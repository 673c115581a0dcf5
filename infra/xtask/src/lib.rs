//! Project commands of onair. [`template`] generates `template.yaml`: the hand-written base
//! (`infra/template/base.yaml`: parameters, conditions, globals, HTTP API, tables, secrets, outputs) with
//! every registry function's blocks — function, log group, least-privilege policies, route or schedule —
//! filled in at its markers. The output depends only on the registry and the base, so it is
//! deterministic and a test can compare it with the committed file.

pub mod template;

use std::path::PathBuf;

/// The workspace's `template.yaml`.
pub fn template_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")
}
