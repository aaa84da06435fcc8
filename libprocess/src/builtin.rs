//! Built-in processes every runtime runs: `metrics` (serving `/metrics/snapshot`).
//! `/__processes__` is answered by the runtime itself.

use crate::{Context, Process, Response, Runtime, SpawnError};

/// Serves the runtime's metrics at `/metrics/snapshot`.
struct MetricsProcess;

impl Process for MetricsProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route(
            "/snapshot",
            |_: &mut Self, ctx: &mut Context<Self>, _request| {
                Response::json(ctx.runtime().metrics().snapshot_json())
            },
        );
    }
}

pub(crate) fn spawn_builtins(runtime: &Runtime) -> Result<(), SpawnError> {
    runtime.spawn("metrics", MetricsProcess)?;
    Ok(())
}
