//! Tests of `task log`'s pure parts: finding the task, its agent and its sandbox, and
//! reading whole files and their last lines through a reader that behaves like the agent's
//! `/files/read` (capped reads, UTF-8 held back mid-character).

use serde_json::{Value, json};

use super::*;

/// A file served as the agent serves it: at most `cap` bytes a read.
struct Memory {
    bytes: Vec<u8>,
    cap: u64,
    reads: usize,
}

impl Memory {
    fn new(text: &str, cap: u64) -> Memory {
        Memory {
            bytes: text.as_bytes().to_vec(),
            cap,
            reads: 0,
        }
    }
}

impl FileReader for Memory {
    fn size(&mut self) -> Result<u64, CliError> {
        Ok(self.bytes.len() as u64)
    }

    fn read(&mut self, offset: u64, length: u64) -> Result<String, CliError> {
        self.reads += 1;
        let size = self.bytes.len() as u64;
        let start = offset.min(size);
        let end = (offset + length.min(self.cap)).min(size);
        let mut slice = &self.bytes[start as usize..end as usize];
        // Like the agent: an incomplete character before the end of the file waits.
        while end < size && std::str::from_utf8(slice).is_err() {
            slice = &slice[..slice.len() - 1];
        }
        Ok(String::from_utf8_lossy(slice).into_owned())
    }
}

fn whole(reader: &mut Memory) -> String {
    let mut text = String::new();
    read_range(reader, 0, None, &mut |chunk| {
        text.push_str(chunk);
        Ok(())
    })
    .unwrap();
    text
}

#[test]
fn a_whole_file_is_read_in_capped_chunks() {
    let content: String = (0..1000).map(|i| format!("line {i} é\n")).collect();
    let mut reader = Memory::new(&content, 100);
    assert_eq!(whole(&mut reader), content);
    assert!(reader.reads > content.len() / 100);
    assert_eq!(whole(&mut Memory::new("", 100)), "");
}

#[test]
fn the_last_lines_are_found_from_the_end() {
    let content: String = (1..=5).map(|i| format!("line {i}\n")).collect();
    let mut reader = Memory::new(&content, 4);
    assert_eq!(tail(&mut reader, 2).unwrap(), "line 4\nline 5\n");
    assert_eq!(tail(&mut reader, 0).unwrap(), "");
    assert_eq!(tail(&mut reader, 5).unwrap(), content);
    assert_eq!(tail(&mut reader, 50).unwrap(), content);
    let unterminated = "a\nb\nc";
    assert_eq!(tail(&mut Memory::new(unterminated, 1), 2).unwrap(), "b\nc");
    assert_eq!(tail(&mut Memory::new("", 1), 3).unwrap(), "");
}

#[test]
fn a_big_file_is_tailed_without_reading_it_all() {
    let content: String = (0..100_000).map(|i| format!("line {i:06}\n")).collect();
    let mut reader = Memory::new(&content, 64 << 10);
    assert_eq!(tail(&mut reader, 2).unwrap(), "line 099998\nline 099999\n");
    assert!(reader.reads <= 3, "{} reads", reader.reads);
    // More lines than the first window holds: the window grows, lines stay whole.
    let lines = tail(&mut reader, 20_000).unwrap();
    assert_eq!(lines.lines().count(), 20_000);
    assert!(lines.starts_with("line 080000\n"));
    assert!(lines.ends_with("line 099999\n"));
}

#[test]
fn one_enormous_line_is_read_whole() {
    let content = format!("{}\nlast", "x".repeat(200_000));
    let mut reader = Memory::new(&content, 64 << 10);
    assert_eq!(tail(&mut reader, 1).unwrap(), "last");
    assert_eq!(tail(&mut reader, 2).unwrap(), content);
}

fn task(id: &str, framework: &str) -> Value {
    json!({"id": id, "framework_id": framework, "slave_id": "S0", "executor_id": ""})
}

#[test]
fn a_task_is_found_by_id_and_framework() {
    let tasks = [task("a", "F1"), task("b", "F1"), task("a", "F2")];
    assert_eq!(find_task(&tasks, "b", None).unwrap()["id"], "b");
    assert_eq!(
        find_task(&tasks, "a", Some("F2")).unwrap()["framework_id"],
        "F2"
    );
    let ambiguous = find_task(&tasks, "a", None).unwrap_err();
    assert_eq!(ambiguous.exit_code(), 2);
    let message = ambiguous.to_string();
    assert!(
        message.contains("F1, F2") && message.contains("--framework"),
        "{message}"
    );
    let missing = find_task(&tasks, "zz", None).unwrap_err();
    assert_eq!(missing.exit_code(), 1);
    assert!(missing.to_string().contains("no task 'zz'"), "{missing}");
    assert!(
        find_task(&tasks, "b", Some("F2"))
            .unwrap_err()
            .to_string()
            .contains("of framework 'F2'")
    );
}

#[test]
fn an_agent_is_reached_at_its_pid_s_address() {
    let agents = [
        json!({"id": "S0", "pid": "slave(1)@10.0.0.1:5051"}),
        json!({"id": "S1", "pid": "garbage"}),
    ];
    assert_eq!(agent_address(&agents, "S0").unwrap(), "10.0.0.1:5051");
    assert!(
        agent_address(&agents, "S1")
            .unwrap_err()
            .to_string()
            .contains("no address for agent S1")
    );
    assert!(
        agent_address(&agents, "S2")
            .unwrap_err()
            .to_string()
            .contains("agent S2 is not registered")
    );
}

#[test]
fn sandboxes_are_found_among_running_and_completed_executors() {
    let state = json!({
        "frameworks": [{
            "id": "F1",
            "executors": [
                {"id": "e1", "directory": "/w/e1", "tasks": [{"id": "t1"}],
                 "queued_tasks": [], "completed_tasks": []},
                {"id": "e2", "directory": "/w/e2", "tasks": [],
                 "queued_tasks": [{"id": "t2"}], "completed_tasks": []},
            ],
            "completed_executors": [
                {"id": "t3", "directory": "/w/t3", "tasks": [], "completed_tasks": [{"id": "t3"}]},
            ],
        }],
        "completed_frameworks": [{
            "id": "F2",
            "executors": [],
            "completed_executors": [{"id": "x", "directory": "/w/x", "completed_tasks": [{"id": "t1"}]}],
        }],
    });
    let find = |framework, task, executor| sandbox_directory(&state, framework, task, executor);
    assert_eq!(find("F1", "t1", "").as_deref(), Some("/w/e1"));
    assert_eq!(find("F1", "t2", "").as_deref(), Some("/w/e2"));
    assert_eq!(find("F1", "t3", "").as_deref(), Some("/w/t3"));
    assert_eq!(find("F2", "t1", "").as_deref(), Some("/w/x"));
    assert_eq!(find("F1", "new", "e2").as_deref(), Some("/w/e2"));
    assert_eq!(find("F1", "t9", ""), None);
    assert_eq!(find("F9", "t1", ""), None);
    assert_eq!(sandbox_directory(&json!({}), "F1", "t1", ""), None);
}
