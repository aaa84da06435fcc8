#!/usr/bin/env bash
# The one test command: installs what the tests need on a fresh machine, then runs every gate.
# Usage: scripts/test.sh        (CI calls exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "installing test prerequisites"
scripts/install-test-deps.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (every crate, unit, integration and doc tests)"
cargo test --workspace --locked

step "benches compile"
cargo bench --workspace --locked --no-run

step "all gates passed"
