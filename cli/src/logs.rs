//! `task log`: find the task at the master (`/master/tasks`), its agent's address
//! (`/master/slaves`), its executor's sandbox in the agent's `/state`, and read `stdout` or
//! `stderr` there through the agent's `/files/read` (whole, or the last `--lines`).
//! Locating and tailing are pure functions over the JSON and a [`FileReader`].

use std::io::Write;

use serde_json::Value;

use crate::{
    address,
    error::CliError,
    http::{Http, Peer},
    listings::{self, text},
};

/// The first window `--lines` reads from the end of a file; it doubles until it holds
/// enough lines.
const TAIL_WINDOW: u64 = 64 << 10;

/// The one task named `task_id` (of `framework`, when given) among `tasks`.
pub fn find_task<'a>(
    tasks: &'a [Value],
    task_id: &str,
    framework: Option<&str>,
) -> Result<&'a Value, CliError> {
    let matching: Vec<&Value> = tasks
        .iter()
        .filter(|task| text(task, "id") == task_id)
        .filter(|task| framework.is_none_or(|framework| text(task, "framework_id") == framework))
        .collect();
    match matching.as_slice() {
        [task] => Ok(task),
        [] => Err(CliError::NotFound(match framework {
            Some(framework) => format!(
                "the master knows no task '{task_id}' of framework '{framework}'; \
                 see `mesos task list --all`"
            ),
            None => format!("the master knows no task '{task_id}'; see `mesos task list --all`"),
        })),
        several => {
            let mut frameworks: Vec<&str> = several
                .iter()
                .map(|task| text(task, "framework_id"))
                .collect();
            frameworks.dedup();
            Err(CliError::Usage(format!(
                "tasks of several frameworks are called '{task_id}' ({}); \
                 choose one with --framework <ID>",
                frameworks.join(", ")
            )))
        }
    }
}

/// The `host:port` of agent `agent_id` from the master's agents (from its libprocess pid).
pub fn agent_address(agents: &[Value], agent_id: &str) -> Result<String, CliError> {
    let agent = agents
        .iter()
        .find(|agent| text(agent, "id") == agent_id)
        .ok_or_else(|| {
            CliError::NotFound(format!(
                "agent {agent_id} is not registered with the master (it may be down or \
                 removed), so its sandboxes cannot be read"
            ))
        })?;
    let pid = text(agent, "pid");
    address::agent_pid(pid)
        .map(|(_, address)| address.to_owned())
        .ok_or_else(|| {
            CliError::NotFound(format!(
                "the master gives no address for agent {agent_id} (pid '{pid}')"
            ))
        })
}

/// The sandbox directory of the executor that ran `task_id` of `framework_id`, from an
/// agent's `/state`: running and completed executors of running and completed frameworks
/// (an executor with the task among its tasks, or the task's own executor ID).
pub fn sandbox_directory(
    agent_state: &Value,
    framework_id: &str,
    task_id: &str,
    executor_id: &str,
) -> Option<String> {
    let list = |object: &Value, key: &str| -> Vec<Value> {
        object
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let frameworks = list(agent_state, "frameworks")
        .into_iter()
        .chain(list(agent_state, "completed_frameworks"))
        .filter(|framework| text(framework, "id") == framework_id);
    for framework in frameworks {
        let executors = list(&framework, "executors")
            .into_iter()
            .chain(list(&framework, "completed_executors"));
        for executor in executors {
            let runs_task = ["tasks", "queued_tasks", "completed_tasks"]
                .iter()
                .flat_map(|key| list(&executor, key))
                .any(|task| text(&task, "id") == task_id);
            let is_its_executor = !executor_id.is_empty() && text(&executor, "id") == executor_id;
            let directory = text(&executor, "directory");
            if (runs_task || is_its_executor) && !directory.is_empty() {
                return Some(directory.to_owned());
            }
        }
    }
    None
}

/// Reads one file, as an agent's `/files/read` does: `size`, and `read` of up to `length`
/// bytes at `offset` (fewer at the end, or when the agent caps a read; the text ends before
/// an incomplete UTF-8 sequence unless at the end of the file).
pub trait FileReader {
    /// The file's size now.
    fn size(&mut self) -> Result<u64, CliError>;
    /// Text from `offset`; empty at or past the end.
    fn read(&mut self, offset: u64, length: u64) -> Result<String, CliError>;
}

/// Hands `sink` the file's text from `from` up to `to` (or its end when `None`), chunk by
/// chunk, as the reader gives it.
pub fn read_range(
    reader: &mut dyn FileReader,
    from: u64,
    to: Option<u64>,
    sink: &mut dyn FnMut(&str) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut offset = from;
    while to.is_none_or(|to| offset < to) {
        let wanted = to.map_or(TAIL_WINDOW, |to| to - offset);
        let chunk = reader.read(offset, wanted)?;
        if chunk.is_empty() {
            break;
        }
        offset += chunk.len() as u64;
        sink(&chunk)?;
    }
    Ok(())
}

/// The last `count` lines of `text`; `partial_start` when `text` may begin mid-line (that
/// piece is never shown).
fn last_lines(text: &str, count: usize, partial_start: bool) -> &str {
    let text = if partial_start {
        text.find('\n').map_or("", |newline| &text[newline + 1..])
    } else {
        text
    };
    if count == 0 {
        return "";
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    match body.rmatch_indices('\n').nth(count - 1) {
        Some((newline, _)) => &text[newline + 1..],
        None => text,
    }
}

/// How many lines `text` holds (a last line without a newline counts).
fn line_count(text: &str) -> usize {
    text.matches('\n').count() + usize::from(!text.is_empty() && !text.ends_with('\n'))
}

/// The last `count` lines of the file: reads a window from its end, doubling it until it
/// holds `count` whole lines or the whole file.
pub fn tail(reader: &mut dyn FileReader, count: usize) -> Result<String, CliError> {
    let size = reader.size()?;
    let mut window = TAIL_WINDOW;
    loop {
        let from = size.saturating_sub(window);
        let mut text = String::new();
        read_range(reader, from, Some(size), &mut |chunk| {
            text.push_str(chunk);
            Ok(())
        })?;
        let whole = last_lines(&text, usize::MAX, from > 0);
        if from == 0 || line_count(whole) >= count {
            return Ok(last_lines(&text, count, from > 0).to_owned());
        }
        window = window.saturating_mul(2);
    }
}

/// A file in a sandbox, read through an agent's `/files/read`.
struct AgentFile<'a> {
    http: &'a Http,
    agent: Peer,
    path: String,
}

impl AgentFile<'_> {
    fn get(&self, offset: i64, length: Option<u64>) -> Result<(String, u64), CliError> {
        let route = "/files/read";
        let mut query = vec![("path", self.path.clone()), ("offset", offset.to_string())];
        if let Some(length) = length {
            query.push(("length", length.to_string()));
        }
        let answer = self.http.get_json(&self.agent, route, &query)?;
        let data = answer.get("data").and_then(Value::as_str);
        let offset = answer.get("offset").and_then(Value::as_u64);
        match (data, offset) {
            (Some(data), Some(offset)) => Ok((data.to_owned(), offset)),
            _ => Err(CliError::Malformed {
                role: self.agent.role.clone(),
                address: self.agent.address.clone(),
                path: route.to_owned(),
                reason: "no 'data' string and 'offset' number".into(),
            }),
        }
    }
}

impl FileReader for AgentFile<'_> {
    fn size(&mut self) -> Result<u64, CliError> {
        Ok(self.get(-1, None)?.1)
    }

    fn read(&mut self, offset: u64, length: u64) -> Result<String, CliError> {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        Ok(self.get(offset, Some(length))?.0)
    }
}

/// `mesos task log`: writes the file (or its last `lines`) to `out`.
pub fn task_log(
    http: &Http,
    master: &Peer,
    task_id: &str,
    framework: Option<&str>,
    file: &str,
    lines: Option<usize>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let tasks = listings::fetch_tasks(http, master, Some(task_id), framework)?;
    let task = find_task(&tasks, task_id, framework)?;
    let framework_id = text(task, "framework_id");
    let agent_id = text(task, "slave_id");
    let agents = listings::fetch_agents(http, master)?;
    let agent = Peer::agent(agent_id, &agent_address(&agents, agent_id)?);
    let state = http.get_json(&agent, "/state", &[])?;
    let directory = sandbox_directory(&state, framework_id, task_id, text(task, "executor_id"))
        .ok_or_else(|| {
            CliError::NotFound(format!(
                "{} has no sandbox for task '{task_id}' of framework {framework_id} (not \
                 launched yet, or already garbage collected)",
                agent.role
            ))
        })?;
    let mut reader = AgentFile {
        http,
        agent,
        path: format!("{directory}/{file}"),
    };
    match lines {
        Some(count) => out.write_all(tail(&mut reader, count)?.as_bytes())?,
        None => read_range(&mut reader, 0, None, &mut |chunk| {
            out.write_all(chunk.as_bytes()).map_err(CliError::Output)
        })?,
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
#[path = "logs_tests.rs"]
mod tests;
