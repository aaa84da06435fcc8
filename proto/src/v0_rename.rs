//! Derives the text of a v0 `.proto` file (package `mesos`, "Slave" spelling) from its v1 twin.
//!
//! Mesos keeps two copies of its public protos: v1 (`mesos.v1`, "Agent") and v0 (`mesos`,
//! "Slave"). They carry the same field numbers, so we write only the v1 file and derive the v0
//! one at build time (this module is compiled into the build script and, for its tests, into
//! the library). The rules, applied line by line:
//!
//! 1. A line containing `// v1 only` is dropped.
//! 2. A line whose first non-blank text is `// v0 only: <text>` becomes `<text>` (indentation
//!    kept). Nothing else in it is renamed.
//! 3. Every other line is renamed word by word: `mesos.v1` becomes `mesos`, `mesos/v1/`
//!    becomes `mesos/`, and inside identifiers `Agent`, `agent` and `AGENT` become `Slave`,
//!    `slave` and `SLAVE`, except identifiers that *begin* with `AGENT_` (capability enum
//!    values that Mesos added after the rename and spells the same in both versions).

/// The marker that keeps a line out of the v0 text.
pub const V1_ONLY_MARKER: &str = "// v1 only";

/// The marker that introduces a line that exists only in the v0 text.
pub const V0_ONLY_MARKER: &str = "// v0 only:";

/// Returns the v0 text of a v1 `.proto` file.
pub fn v0_from_v1(v1_text: &str) -> String {
    let mut v0_text = String::with_capacity(v1_text.len());
    for line in v1_text.lines() {
        if line.contains(V1_ONLY_MARKER) {
            continue;
        }
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(V0_ONLY_MARKER) {
            let indentation = &line[..line.len() - trimmed.len()];
            v0_text.push_str(indentation);
            v0_text.push_str(rest.trim_start());
        } else {
            v0_text.push_str(&rename_line(line));
        }
        v0_text.push('\n');
    }
    v0_text
}

/// Applies the renames of rule 3 to one line.
fn rename_line(line: &str) -> String {
    let line = line
        .replace("mesos.v1", "mesos")
        .replace("mesos/v1/", "mesos/");
    let mut renamed = String::with_capacity(line.len());
    let mut word = String::new();
    for character in line.chars() {
        if character.is_ascii_alphanumeric() || character == '_' {
            word.push(character);
        } else {
            renamed.push_str(&rename_word(&word));
            word.clear();
            renamed.push(character);
        }
    }
    renamed.push_str(&rename_word(&word));
    renamed
}

/// Applies the agent-to-slave rename to one identifier.
fn rename_word(word: &str) -> String {
    if word.starts_with("AGENT_") {
        return word.to_owned();
    }
    word.replace("Agent", "Slave")
        .replace("agent", "slave")
        .replace("AGENT", "SLAVE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_package_imports_and_identifiers() {
        let v1 = "package mesos.v1.scheduler;\nimport \"mesos/v1/mesos.proto\";\n\
                  message AgentInfo { optional AgentID agent_id = 1; }\n";
        let v0 = v0_from_v1(v1);
        assert_eq!(
            v0,
            "package mesos.scheduler;\nimport \"mesos/mesos.proto\";\n\
             message SlaveInfo { optional SlaveID slave_id = 1; }\n"
        );
    }

    #[test]
    fn keeps_enum_values_that_begin_with_agent() {
        let v0 = v0_from_v1("    AGENT_DRAINING = 7;\n    REASON_AGENT_DRAINING = 34;\n");
        assert_eq!(
            v0,
            "    AGENT_DRAINING = 7;\n    REASON_SLAVE_DRAINING = 34;\n"
        );
    }

    #[test]
    fn applies_version_markers() {
        let v1 = "  repeated string roles = 2;  // v1 only\n\
                  \x20 // v0 only: optional bool force = 2;\n  optional string agent = 3;\n";
        assert_eq!(
            v0_from_v1(v1),
            "  optional bool force = 2;\n  optional string slave = 3;\n"
        );
    }
}
