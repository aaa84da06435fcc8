//! `/master/health` (200, empty), `/master/redirect` (307 to `//<leader>:<port>`, 404 below it)
//! and `/master/flags` (`{"flags":{name:value}}`).

use libprocess::{Context, Response, http::Request};
use serde_json::json;

use super::json_response;
use crate::master::Master;

pub(crate) fn health(
    _master: &mut Master,
    _ctx: &mut Context<Master>,
    _request: Request,
) -> Response {
    Response::new(200)
}

pub(crate) fn redirect(
    master: &mut Master,
    _ctx: &mut Context<Master>,
    request: Request,
) -> Response {
    // Only `/redirect` itself: `/redirect/...` is not an endpoint.
    if !request.path.trim_end_matches('/').ends_with("/redirect") {
        return Response::not_found();
    }
    let info = master.info();
    let hostname = info.hostname.clone().unwrap_or_default();
    Response::new(307).with_header("Location", format!("//{hostname}:{}", info.port))
}

pub(crate) fn flags(master: &mut Master, _ctx: &mut Context<Master>, request: Request) -> Response {
    json_response(&request, &json!({ "flags": master.config.flags }))
}
