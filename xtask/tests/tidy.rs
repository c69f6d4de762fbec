//! Tidy checks: the `Architecture Invariant:` paragraphs of ARCHITECTURE.md, checked on every
//! `cargo test --workspace`. Each test names the invariant it keeps; when one fails, either the
//! change breaks the architecture or the architecture changed, and ARCHITECTURE.md changes with
//! this file in the same commit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::{DependencyKind, Metadata, MetadataCommand};

#[path = "../src/workspace.rs"]
mod workspace;
use workspace::workspace_root;

/// Every file under `dir` whose name ends with one of `extensions`, skipping build output and
/// installed Node packages.
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(name.as_str(), "target" | "node_modules" | ".git") {
                    pending.push(path);
                }
            } else if extensions.iter().any(|ext| name.ends_with(ext)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn relative(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Architecture Invariant: only the facade's wire layer names the generated client.
#[test]
fn only_the_wire_layer_reaches_the_generated_client() {
    let root = workspace_root();
    let mut offenders = Vec::new();
    for path in files(&root.join("crates"), &[".rs"])
        .into_iter()
        .chain(files(&root.join("tests"), &[".rs"]))
    {
        let name = relative(&path);
        if name.starts_with("crates/zapier-embed-api/") || !read(&path).contains("zapier_embed_api")
        {
            continue;
        }
        let wire_layer = name == "crates/zapier-embed/src/wire.rs"
            || name.starts_with("crates/zapier-embed/src/wire/");
        // `testing` wraps the api crate's hand-written request capture (no generated module) in
        // the facade's own types, so a regeneration cannot change the facade's surface.
        let capture_wrapper = name == "crates/zapier-embed/src/testing.rs"
            && !["by_id", "by_name", "partner", "oauth"]
                .iter()
                .any(|module| read(&path).contains(&format!("zapier_embed_api::{module}")));
        if !wire_layer && !capture_wrapper {
            offenders.push(name);
        }
    }
    assert!(
        offenders.is_empty(),
        "only crates/zapier-embed/src/wire* may name `zapier_embed_api` (and testing.rs its capture \
         hook); found in: {offenders:#?}"
    );
}

fn metadata() -> Metadata {
    MetadataCommand::new()
        .current_dir(workspace_root())
        .exec()
        .expect("cargo metadata")
}

/// The workspace packages `package` depends on directly, with every dependency kind.
fn workspace_dependencies(metadata: &Metadata, package: &str) -> BTreeSet<String> {
    let members: BTreeSet<&str> = metadata
        .workspace_packages()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let package = metadata
        .workspace_packages()
        .into_iter()
        .find(|p| p.name.as_str() == package)
        .unwrap_or_else(|| panic!("no workspace package {package}"));
    package
        .dependencies
        .iter()
        .filter(|d| members.contains(d.name.as_str()))
        .map(|d| format!("{} ({:?})", d.name, d.kind))
        .collect()
}

/// Architecture Invariant: HTTP answers become errors in one place, the facade's wire layer
/// (`wire/error_mapping.rs`); the domain crate defines the error but reads no answer: its
/// sources name none of the server codes the mapping decides by (`unauthenticated`,
/// `rate_limited`…) nor the OAuth error body's `error_description`.
#[test]
fn only_the_wire_layer_maps_answers_to_errors() {
    let root = workspace_root();
    let markers = [
        "\"unauthenticated\"",
        "\"invalid_audience\"",
        "\"lease_expired\"",
        "\"rate_limited\"",
        "\"authentication_failed\"",
        "\"error_description\"",
    ];
    let mut offenders = Vec::new();
    for path in files(&root.join("crates/zapier-embed-domain/src"), &[".rs"]) {
        let text = read(&path);
        for marker in markers.iter().filter(|m| text.contains(*m)) {
            offenders.push(format!("{}: {marker}", relative(&path)));
        }
    }
    assert!(
        offenders.is_empty(),
        "the domain crate maps an HTTP answer (that belongs in crates/zapier-embed/src/wire/): \
         {offenders:#?}"
    );
}

/// Architecture Invariant: the emulator depends on no client crate (nor the CLI or the tests).
#[test]
fn the_emulator_depends_on_no_workspace_crate() {
    let dependencies = workspace_dependencies(&metadata(), "zapier-embed-emulator");
    assert!(
        dependencies.is_empty(),
        "the emulator shares no code with the client crates, yet depends on {dependencies:?}"
    );
}

/// Architecture Invariant: dependencies point one way: cli -> facade -> {domain, api}; the
/// domain crate depends on no workspace crate, and only the facade on the api crate; the
/// conformance suite depends on no workspace crate.
#[test]
fn workspace_dependencies_point_one_way() {
    let metadata = metadata();
    let normal = |package: &str| -> BTreeSet<String> {
        workspace_dependencies(&metadata, package)
            .into_iter()
            .filter(|d| d.ends_with(&format!("({:?})", DependencyKind::Normal)))
            .map(|d| d.split(' ').next().unwrap_or_default().to_string())
            .collect()
    };
    let expected: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("zapier-embed-api", &[][..]),
        ("zapier-embed-domain", &[][..]),
        (
            "zapier-embed",
            &["zapier-embed-api", "zapier-embed-domain"][..],
        ),
        ("zapier-embed-emulator", &[][..]),
        // The conformance suite is written from the documents alone: it shares no code with the
        // client or the emulator, whose readings it checks.
        ("zapier-embed-conformance", &[][..]),
        // The demo starts an emulator in-process: the CLI may use it beside the facade, and it
        // runs the conformance suite.
        (
            "zapier-embed-cli",
            &[
                "zapier-embed",
                "zapier-embed-conformance",
                "zapier-embed-emulator",
            ][..],
        ),
    ]);
    for (package, allowed) in expected {
        let allowed: BTreeSet<String> = allowed.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            normal(package),
            allowed,
            "workspace dependencies of {package}"
        );
    }
}

/// The packages of `zapier-embed`'s normal dependency tree with `features` on (default features
/// only when empty), as `cargo tree` resolves them for the facade alone.
fn facade_tree(features: &[&str]) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command.current_dir(workspace_root()).args([
        "tree",
        "-p",
        "zapier-embed",
        "-e",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    if !features.is_empty() {
        command.arg("--features").arg(features.join(","));
    }
    let output = command.output().expect("cargo tree");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// Server, CLI and emulator crates: never in a client's build.
const SERVER_AND_CLI_CRATES: &[&str] = &[
    "axum",
    "utoipa",
    "utoipa-axum",
    "clap",
    "indicatif",
    "zapier-embed-emulator",
    "zapier-embed-cli",
    "zapier-embed-tests",
];

/// Crates only the `webhook` receivers need besides axum (the callback signature check).
const WEBHOOK_ONLY_CRATES: &[&str] = &["jsonwebtoken"];

/// Architecture Invariant: the facade's default build pulls in no server, CLI or consumer-only
/// crate; the `consumer` feature adds the consumer's own (metrics) and still no server nor Redis
/// client; only `webhook` brings axum (and the callback receiver's JWT verification), and only
/// `redis` the Redis client.
#[test]
fn the_facade_default_tree_has_no_server_cli_or_consumer_crates() {
    let default = facade_tree(&[]);
    // tokio-util comes with the HTTP stack (h2) anyway; `metrics` only with the consumer.
    let consumer_only = ["metrics", "redis"];
    let unwanted: Vec<&&str> = SERVER_AND_CLI_CRATES
        .iter()
        .chain(consumer_only.iter())
        .chain(WEBHOOK_ONLY_CRATES)
        .filter(|name| default.contains(**name))
        .collect();
    assert!(
        unwanted.is_empty(),
        "the facade's default dependency tree contains {unwanted:?}"
    );

    let consumer = facade_tree(&["consumer"]);
    assert!(
        consumer.contains("metrics"),
        "the consumer's metrics dependency went missing"
    );
    let unwanted: Vec<&&str> = SERVER_AND_CLI_CRATES
        .iter()
        .chain(["redis"].iter())
        .chain(WEBHOOK_ONLY_CRATES)
        .filter(|name| consumer.contains(**name))
        .collect();
    assert!(
        unwanted.is_empty(),
        "the `consumer` feature pulls in {unwanted:?}"
    );
}

/// Architecture Invariant: generated code is only ever written by `cargo xtask codegen`: every
/// generated module says so in its first line, from a document that exists, and no hand-written
/// file claims to be generated. (`cargo xtask codegen --check` compares the content.)
#[test]
fn generated_files_carry_their_header_and_only_they_do() {
    let root = workspace_root();
    let generated_dir = root.join("crates/zapier-embed-api/src/generated");
    let generated = files(&generated_dir, &[".rs"]);
    assert!(!generated.is_empty(), "no generated modules found");
    for path in &generated {
        let text = read(path);
        let first = text.lines().next().unwrap_or_default();
        let document = first
            .strip_prefix("// @generated by `cargo xtask codegen` from ")
            .and_then(|rest| rest.strip_suffix("; do not edit by hand."))
            .unwrap_or_else(|| panic!("{} lacks the @generated header: {first}", relative(path)));
        assert!(
            root.join(document).is_file(),
            "{} names a missing document {document}",
            relative(path)
        );
    }
    let claimed: Vec<String> = files(&root.join("crates"), &[".rs"])
        .into_iter()
        .filter(|path| !path.starts_with(&generated_dir))
        .filter(|path| read(path).starts_with("// @generated"))
        .map(|path| relative(&path))
        .collect();
    assert!(
        claimed.is_empty(),
        "hand-written files marked @generated: {claimed:?}"
    );
}

/// Architecture Invariant: docs and comments name no file outside the repository: a reader has
/// only the repository, so facts are carried over rather than linked.
#[test]
fn docs_and_comments_name_no_path_outside_the_repository() {
    let root = workspace_root();
    // Built from pieces so that this file does not match itself.
    let outside = [
        format!("../{}/", "shared"),
        format!("/{}/", "work"),
        format!("/{}/", "tmp"),
        format!("/{}/", "home"),
        format!("/{}/", "root"),
    ];
    let mut offenders = Vec::new();
    for path in files(
        &root,
        &[".rs", ".md", ".toml", ".yaml", ".yml", ".ts", ".py", ".sh"],
    ) {
        let name = relative(&path);
        if name.starts_with("crates/zapier-embed-api/src/generated/") {
            continue;
        }
        for (number, line) in read(&path).lines().enumerate() {
            if let Some(found) = outside.iter().find(|p| line.contains(p.as_str())) {
                offenders.push(format!("{name}:{}: {found}", number + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "paths outside the repository: {offenders:#?}"
    );
}

/// Architecture Invariant: the library crates keep `unreachable_pub` and `missing_docs` on
/// through `[workspace.lints]`.
#[test]
fn library_crates_use_the_workspace_lints() {
    let root = workspace_root();
    let workspace = read(&root.join("Cargo.toml"));
    let sets = |lint: &str, level: &str| {
        workspace
            .lines()
            .any(|line| line.replace(' ', "") == format!("{lint}=\"{level}\""))
    };
    for lint in ["unreachable_pub", "missing_docs"] {
        assert!(sets(lint, "warn"), "[workspace.lints.rust] must set {lint}");
    }
    for lint in [
        "unwrap_used",
        "expect_used",
        "panic",
        "todo",
        "unimplemented",
    ] {
        assert!(
            sets(lint, "deny"),
            "[workspace.lints.clippy] must deny {lint}"
        );
    }
    for krate in [
        "zapier-embed-domain",
        "zapier-embed",
        "zapier-embed-emulator",
    ] {
        let manifest = read(&root.join("crates").join(krate).join("Cargo.toml"));
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "crates/{krate}/Cargo.toml must opt in with `[lints] workspace = true`"
        );
    }
}

/// Every invariant the xtask tests check is written in ARCHITECTURE.md, and every one written
/// there is checked (by a test function stating it in its doc comment).
#[test]
fn architecture_md_states_the_checked_invariants() {
    let root = workspace_root();
    let written = read(&root.join("ARCHITECTURE.md"))
        .matches("Architecture Invariant:")
        .count();
    let checked: usize = ["xtask/tests/tidy.rs", "xtask/tests/public_api.rs"]
        .iter()
        .map(|file| {
            read(&root.join(file))
                .lines()
                .filter(|line| line.trim_start().starts_with("/// Architecture Invariant:"))
                .count()
        })
        .sum();
    assert_eq!(
        written, checked,
        "ARCHITECTURE.md states {written} invariants, the xtask tests check {checked}"
    );
}
