//! The public API of the crates users depend on, rendered one item per line and compared with the
//! committed snapshots in `tests/snapshots/`: every change to the surface is a reviewed diff.
//!
//! The facade is rendered with all its features on (the feature-gated `consumer`, `webhook` and
//! `redis` surface included); the domain crate is rendered too, because the facade re-exports its
//! types; the hand-written part of the api crate (the facade's dependency, published with it); and
//! the two crates users' tests depend on, the emulator and the conformance suite.
//!
//! After an intended change to the surface, regenerate and review:
//!
//! ```text
//! INSTA_UPDATE=always cargo test -p xtask --test public_api
//! git diff xtask/tests/snapshots/
//! ```
//!
//! How: `cargo rustdoc` writes rustdoc's JSON (an unstable output format, enabled on the stable
//! toolchain with `RUSTC_BOOTSTRAP=1`) into `target/public-api/`, a target directory of its own
//! that later runs reuse, so only the documented crates are re-documented; the `public-api`
//! crate renders it. The JSON's `format_version` must be the one `public-api`'s `rustdoc-types`
//! reads: a toolchain upgrade that changes it fails here with both numbers named.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../src/workspace.rs"]
mod workspace;
use workspace::workspace_root;

/// Runs rustdoc's JSON backend on `package` and returns the path of the JSON it wrote.
fn rustdoc_json(package: &str, features: &[&str]) -> PathBuf {
    let root = workspace_root();
    let target_dir = root.join("target").join("public-api");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command
        .current_dir(&root)
        .env("RUSTC_BOOTSTRAP", "1")
        // The outer `cargo test` may set these for its own build; the rustdoc run has its own.
        .env_remove("RUSTDOCFLAGS")
        .env_remove("CARGO_ENCODED_RUSTDOCFLAGS")
        .args(["rustdoc", "--quiet", "--lib", "-p", package])
        .arg("--target-dir")
        .arg(&target_dir);
    if !features.is_empty() {
        command.arg("--features").arg(features.join(","));
    }
    command.args(["--", "-Z", "unstable-options", "--output-format", "json"]);
    let output = command.output().expect("run cargo rustdoc");
    assert!(
        output.status.success(),
        "cargo rustdoc -p {package} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    target_dir
        .join("doc")
        .join(format!("{}.json", package.replace('-', "_")))
}

/// The public API of the crate documented at `json`, one item per line, sorted.
fn render(json: &Path) -> String {
    let text = std::fs::read_to_string(json).expect("read rustdoc JSON");
    let value: serde_json::Value = serde_json::from_str(&text).expect("rustdoc JSON");
    let found = value["format_version"].as_u64();
    assert_eq!(
        found,
        Some(u64::from(rustdoc_types::FORMAT_VERSION)),
        "this toolchain's rustdoc writes JSON format {found:?}, the `public-api` crate reads {}: \
         bump `public-api`/`rustdoc-types` in xtask/Cargo.toml to the versions for this format",
        rustdoc_types::FORMAT_VERSION
    );
    let api = public_api::Builder::from_rustdoc_json(json)
        // `impl<T> From<T> for T` and friends: the same for every type, noise in a review.
        .omit_blanket_impls(true)
        .build()
        .expect("render the public API");
    let mut rendered = api.to_string();
    if !rendered.ends_with('\n') {
        rendered.push('\n');
    }
    rendered
}

/// Architecture Invariant: the facade's public surface changes only by a reviewed snapshot diff.
#[test]
fn public_api_of_the_facade() {
    let json = rustdoc_json("zapier-embed", &["consumer", "webhook", "redis"]);
    insta::assert_snapshot!("zapier_embed", render(&json));
}

#[test]
fn public_api_of_the_domain_crate() {
    let json = rustdoc_json("zapier-embed-domain", &[]);
    insta::assert_snapshot!("zapier_embed_domain", render(&json));
}

/// The emulator's embedding API (`Emulator`, its builder and handle, `ControlClient`): what users'
/// tests call.
#[test]
fn public_api_of_the_emulator() {
    let json = rustdoc_json("zapier-embed-emulator", &[]);
    insta::assert_snapshot!("zapier_embed_emulator", render(&json));
}

/// The conformance suite's library (`run`, `Filter`, its report types), which `zembed
/// conformance` and users' own test harnesses call.
#[test]
fn public_api_of_the_conformance_suite() {
    let json = rustdoc_json("zapier-embed-conformance", &[]);
    insta::assert_snapshot!("zapier_embed_conformance", render(&json));
}

/// The api crate's hand-written surface: its root (`ClientState`, the hook traits, the re-exports
/// of `progenitor_client`), without the items of the generated modules, whose drift `cargo xtask
/// codegen --check` catches and which would bury a hand-made change in thousands of lines.
#[test]
fn public_api_of_the_api_crate_hooks() {
    let json = rustdoc_json("zapier-embed-api", &[]);
    let generated = ["by_id", "by_name", "partner", "oauth"]
        .map(|module| format!("zapier_embed_api::{module}::"));
    let hooks: String = render(&json)
        .lines()
        .filter(|line| {
            !generated
                .iter()
                .any(|prefix| line.contains(prefix.as_str()))
        })
        .map(|line| format!("{line}\n"))
        .collect();
    insta::assert_snapshot!("zapier_embed_api_hooks", hooks);
}
