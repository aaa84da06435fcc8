//! Build script: compiles our `.proto` files with protox (pure Rust, no system `protoc`),
//! derives the v0 files from their v1 twins (see `src/v0_rename.rs`), generates prost code
//! with type names, and implements `prost_reflect::ReflectMessage` for every message.

#[path = "src/v0_rename.rs"]
mod v0_rename;

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use prost::Message as _;

/// v1 files whose v0 twin (package `mesos...`) is derived at build time.
const V1_FILES_WITH_V0_TWIN: &[&str] = &[
    "mesos/v1/mesos.proto",
    "mesos/v1/statistics.proto",
    "mesos/v1/scheduler/scheduler.proto",
    "mesos/v1/quota/quota.proto",
    "mesos/v1/allocator/allocator.proto",
    "mesos/v1/maintenance/maintenance.proto",
    "mesos/v1/resource_provider/resource_provider.proto",
];

/// Hand-written files compiled as they are (the v0 twins are added to these).
const FILES: &[&str] = &[
    "mesos/v1/mesos.proto",
    "mesos/v1/statistics.proto",
    "mesos/v1/scheduler/scheduler.proto",
    "mesos/v1/executor/executor.proto",
    "mesos/v1/master/master.proto",
    "mesos/v1/agent/agent.proto",
    "mesos/v1/quota/quota.proto",
    "mesos/v1/allocator/allocator.proto",
    "mesos/v1/maintenance/maintenance.proto",
    "mesos/v1/resource_provider/resource_provider.proto",
    "mesos/internal/messages.proto",
    "mesos/internal/registry.proto",
    "mesos/internal/checkpoints.proto",
    "mesos/internal/state.proto",
    "mesos/internal/log.proto",
    "mesos/slave/containerizer.proto",
    "mesos/seccomp/seccomp.proto",
    "docker/v1.proto",
    "appc/spec.proto",
    "mesos/resource_provider/registry.proto",
    "mesos/resource_provider/state.proto",
];

fn main() -> Result<(), Box<dyn Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let proto_dir = manifest_dir.join("proto");
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=src/v0_rename.rs");

    let v0_dir = out_dir.join("v0-proto");
    let mut files: Vec<String> = FILES.iter().map(|file| (*file).to_owned()).collect();
    for v1_file in V1_FILES_WITH_V0_TWIN {
        let v1_text = fs::read_to_string(proto_dir.join(v1_file))?;
        let v0_file = v1_file.replacen("mesos/v1/", "mesos/", 1);
        let v0_path = v0_dir.join(&v0_file);
        if let Some(parent) = v0_path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&v0_path, v0_rename::v0_from_v1(&v1_text))?;
        files.push(v0_file);
    }

    let descriptor_set = protox::Compiler::new([&proto_dir, &v0_dir])?
        .include_imports(true)
        .open_files(&files)?
        .file_descriptor_set();
    fs::write(
        out_dir.join("file_descriptor_set.bin"),
        descriptor_set.encode_to_vec(),
    )?;

    // Well-known types map to prost-types (prost-build's default extern path).
    prost_build::Config::new()
        .enable_type_names()
        .btree_map(["."])
        .include_file("_includes.rs")
        .compile_fds(descriptor_set.clone())?;

    for file in &descriptor_set.file {
        let generated = out_dir.join(format!("{}.rs", file.package()));
        if !file.package().starts_with("google.protobuf") {
            add_reflect_impls(&generated)?;
        }
    }
    Ok(())
}

/// Adds `impl ReflectMessage` next to every `impl prost::Name` prost generated in `path`.
fn add_reflect_impls(path: &Path) -> Result<(), Box<dyn Error>> {
    let generated = fs::read_to_string(path)?;
    if generated.contains("::prost_reflect::ReflectMessage") {
        return Ok(());
    }
    let mut out = String::with_capacity(generated.len() * 2);
    for line in generated.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("impl ::prost::Name for ") {
            let type_name = rest.trim_end_matches(" {").trim();
            out.push_str(&format!(
                "impl ::prost_reflect::ReflectMessage for {type_name} {{\n    \
                 fn descriptor(&self) -> ::prost_reflect::MessageDescriptor {{\n        \
                 crate::descriptors::message_descriptor::<Self>()\n    }}\n}}\n"
            ));
        }
        out.push_str(line);
        out.push('\n');
    }
    fs::write(path, out)?;
    Ok(())
}
