//! House rules checked by `cargo test`: module docs on every file, no files that grow unchecked.

use std::{
    fs,
    path::{Path, PathBuf},
};

/// The workspace root, one level above this crate.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            // Build output, fuzz corpora and generated prost code are not ours to tidy.
            if matches!(
                name.as_ref(),
                "target" | ".git" | "corpus" | "artifacts" | ".venv"
            ) {
                continue;
            }
            rust_files(&path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(&workspace_root(), &mut files);
    files.sort();
    files
}

/// Every Rust file opens with a `//!` line that says what it is for.
#[test]
fn every_file_opens_with_a_module_doc() {
    let root = workspace_root();
    let missing: Vec<String> = all_rust_files()
        .into_iter()
        .filter(|path| {
            let text = fs::read_to_string(path).unwrap_or_default();
            let first = text
                .lines()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("");
            !first.starts_with("//!")
        })
        .map(|path| {
            path.strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` purpose line: {missing:#?}"
    );
}

/// Files stay small: 800 lines is a smell, and 1,500 needs a plan before it lands.
#[test]
fn no_file_is_over_1500_lines() {
    let root = workspace_root();
    let large: Vec<String> = all_rust_files()
        .into_iter()
        .filter(|path| !path.components().any(|c| c.as_os_str() == "generated"))
        .filter_map(|path| {
            let lines = fs::read_to_string(&path).ok()?.lines().count();
            (lines > 1500).then(|| {
                format!(
                    "{} ({lines} lines)",
                    path.strip_prefix(&root).unwrap_or(&path).display()
                )
            })
        })
        .collect();
    assert!(large.is_empty(), "split these files by concern: {large:#?}");
}
