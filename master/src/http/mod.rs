//! The master's HTTP endpoints, all routes of the `master` process (so `/master/state`, and
//! `/state` through the runtime's delegate): the v1 scheduler API, the state endpoints, and
//! `/health`, `/redirect`, `/flags`. Trailing slashes are ignored (libprocess routing) and
//! JSON endpoints honour `?jsonp=<callback>`.

mod endpoints;
mod misc;
mod scheduler;
mod state;

use libprocess::{Context, Response, http::Request};
use serde_json::Value;

use crate::master::Master;

/// Installs every route on the master process.
pub(crate) fn install_routes(ctx: &mut Context<Master>) {
    ctx.route("/api/v1/scheduler", scheduler::scheduler);
    ctx.route("/state", state::state);
    ctx.route("/state-summary", state::state_summary);
    ctx.route("/frameworks", endpoints::frameworks);
    ctx.route("/slaves", endpoints::slaves);
    ctx.route("/tasks", endpoints::tasks);
    ctx.route("/health", misc::health);
    ctx.route("/redirect", misc::redirect);
    ctx.route("/flags", misc::flags);
}

/// A JSON body, or `callback(json);` as `text/javascript` when `?jsonp=callback` is given.
pub(crate) fn json_response(request: &Request, value: &Value) -> Response {
    let body = value.to_string();
    match request.query_value("jsonp") {
        Some(callback) if !callback.is_empty() => Response::ok(format!("{callback}({body});"))
            .with_header("Content-Type", "text/javascript"),
        _ => Response::json(body),
    }
}
