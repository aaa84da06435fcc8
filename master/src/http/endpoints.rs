//! `/master/frameworks`, `/master/slaves` and `/master/tasks` (Mesos's readonly_handler.cpp).

use std::cmp::Ordering;

use common::state::{agent_info_json, task_json};
use libprocess::{Context, Response, http::Request};
use proto::v0::Task;
use serde_json::{Value, json};

use super::{
    json_response,
    state::{agent_json, framework_json},
};
use crate::{constants::TASK_LIMIT, master::Master};

/// `?framework_id=` (any when absent).
fn selected(filter: Option<&str>, id: &str) -> bool {
    filter.is_none_or(|wanted| wanted == id)
}

pub(crate) fn frameworks(
    master: &mut Master,
    _ctx: &mut Context<Master>,
    request: Request,
) -> Response {
    let filter = request.query_value("framework_id");
    let books = master.books();
    let active: Vec<Value> = books
        .frameworks
        .registered
        .values()
        .filter(|framework| selected(filter, &framework.id))
        .map(|framework| framework_json(master, framework))
        .collect();
    let completed: Vec<Value> = books
        .frameworks
        .completed
        .iter()
        .filter(|framework| selected(filter, &framework.id))
        .map(|framework| framework_json(master, framework))
        .collect();
    json_response(
        &request,
        &json!({
            "frameworks": active,
            "completed_frameworks": completed,
            "unregistered_frameworks": [],
        }),
    )
}

pub(crate) fn slaves(
    master: &mut Master,
    _ctx: &mut Context<Master>,
    request: Request,
) -> Response {
    let filter = request.query_value("slave_id");
    let books = master.books();
    let registered: Vec<Value> = books
        .agents
        .registered
        .values()
        .filter(|agent| selected(filter, &agent.id))
        .map(agent_json)
        .collect();
    let recovered: Vec<Value> = books
        .agents
        .recovered
        .iter()
        .filter(|(id, _)| selected(filter, id))
        .map(|(_, info)| Value::Object(agent_info_json(info)))
        .collect();
    json_response(
        &request,
        &json!({"slaves": registered, "recovered_slaves": recovered}),
    )
}

/// The timestamp of a task's first status, by which `/tasks` sorts.
fn first_timestamp(task: &Task) -> Option<f64> {
    task.statuses.first().and_then(|status| status.timestamp)
}

/// Mesos's `TaskComparator`: tasks without statuses sort first ascending, last descending.
fn compare(a: &Task, b: &Task, ascending: bool) -> Ordering {
    match (first_timestamp(a), first_timestamp(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => {
            if ascending {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (Some(_), None) => {
            if ascending {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Some(x), Some(y)) => {
            let order = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
            if ascending { order } else { order.reverse() }
        }
    }
}

/// A `limit`/`offset` value: a number, or (for `limit`) negative meaning "no limit".
fn count_param(request: &Request, name: &str, default: usize) -> usize {
    match request.query_value(name).map(str::parse::<i64>) {
        Some(Ok(value)) if value < 0 => usize::MAX,
        Some(Ok(value)) => usize::try_from(value).unwrap_or(usize::MAX),
        _ => default,
    }
}

pub(crate) fn tasks(master: &mut Master, _ctx: &mut Context<Master>, request: Request) -> Response {
    let limit = count_param(&request, "limit", TASK_LIMIT);
    let offset = count_param(&request, "offset", 0);
    let ascending = request.query_value("order") == Some("asc");
    let framework_filter = request.query_value("framework_id");
    let task_filter = request.query_value("task_id");
    let books = master.books();
    let frameworks = books
        .frameworks
        .registered
        .values()
        .chain(books.frameworks.completed.iter())
        .filter(|framework| selected(framework_filter, &framework.id));
    let mut tasks: Vec<&Task> = Vec::new();
    for framework in frameworks {
        let all = framework
            .tasks
            .values()
            .map(|entry| &entry.task)
            .chain(&framework.unreachable_tasks)
            .chain(&framework.completed_tasks);
        tasks.extend(all.filter(|task| selected(task_filter, &task.task_id.value)));
    }
    tasks.sort_by(|a, b| compare(a, b, ascending));
    let page: Vec<Value> = tasks
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(task_json)
        .collect();
    json_response(&request, &json!({ "tasks": page }))
}
