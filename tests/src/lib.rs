//! Workspace-level tests live in the `it` test binary (`tests/it/`); this library is empty.
