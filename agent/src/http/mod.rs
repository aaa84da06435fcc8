//! The agent's HTTP endpoints (on `slave(N)`, and unprefixed when the agent is the runtime's
//! delegate): `/api/v1/executor`, `/api/v1` (the operator API's container calls),
//! `/state` (and `/state.json`), `/flags`, `/health`.

mod executor;
mod operator;
mod state;

pub(crate) use executor::validate as validate_executor_call;

use libprocess::{Context, Request, Response};
use serde_json::json;

use crate::process::Agent;

/// Installs the agent's routes.
pub(crate) fn install_routes(ctx: &mut Context<Agent>) {
    ctx.route(
        "/api/v1/executor",
        |agent: &mut Agent, ctx: &mut Context<Agent>, request: Request| {
            let response = agent.executor_api(ctx, &request);
            agent.refresh_metrics();
            response
        },
    );
    ctx.route(
        "/api/v1",
        |agent: &mut Agent, ctx: &mut Context<Agent>, request: Request| {
            agent.operator_api(ctx, &request)
        },
    );
    ctx.route(
        "/state",
        |agent: &mut Agent, ctx: &mut Context<Agent>, request: Request| {
            jsonp(&request, agent.state_json(ctx))
        },
    );
    ctx.route(
        "/state.json",
        |agent: &mut Agent, ctx: &mut Context<Agent>, request: Request| {
            jsonp(&request, agent.state_json(ctx))
        },
    );
    ctx.route(
        "/flags",
        |agent: &mut Agent, _: &mut Context<Agent>, request: Request| {
            jsonp(&request, json!({ "flags": agent.options.flags }))
        },
    );
    ctx.route(
        "/health",
        |_: &mut Agent, _: &mut Context<Agent>, _: Request| Response::new(200),
    );
}

/// A JSON answer, wrapped in `callback(...)` when the request asks with `?jsonp=callback`.
fn jsonp(request: &Request, value: serde_json::Value) -> Response {
    let body = value.to_string();
    match request.query_value("jsonp") {
        Some(callback) if is_identifier(callback) => Response::ok(format!("{callback}({body});"))
            .with_header("Content-Type", "text/javascript"),
        _ => Response::json(body),
    }
}

/// Only plain identifiers (and dotted paths) are accepted as JSONP callbacks.
fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$')
}
