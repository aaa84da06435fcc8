//! Where executors' sandboxes meet the `files` process and garbage collection, as Mesos's
//! agent does it: each executor run's sandbox is attached under its three virtual paths when
//! it is created; a finished run, its executor and its framework are scheduled for removal
//! (detaching the virtual paths once removed); a new executor takes its directories off the
//! schedule first.

use std::path::Path;

use libprocess::{Context, Pid};

use crate::{
    files::{Attach, FilesProcess},
    paths,
    process::Agent,
};

/// The virtual path of an executor's latest run that does not reveal the work directory
/// (Mesos's `getExecutorVirtualPath`): `/frameworks/<fw>/executors/<ex>/runs/latest`.
pub fn executor_virtual_path(framework_id: &str, executor_id: &str) -> String {
    format!("/frameworks/{framework_id}/executors/{executor_id}/runs/latest")
}

impl Agent {
    /// Spawns the agent's `files` process and starts garbage collection.
    pub(crate) fn start_sandboxes(&mut self, ctx: &mut Context<Self>) {
        match FilesProcess::spawn(ctx.runtime()) {
            Ok(files) => {
                tracing::info!(pid = %files.upid(), "serving sandboxes at /{}/", files.upid().id());
                self.files = Some(files);
            }
            Err(error) => {
                tracing::error!(%error, "cannot start the files process; /files is unavailable")
            }
        }
        self.start_garbage_collection(ctx);
    }

    /// Stops the files process and the garbage collector (the agent is terminating).
    pub(crate) fn stop_sandboxes(&mut self, ctx: &mut Context<Self>) {
        if let Some(files) = self.files.take() {
            ctx.runtime().terminate(files.upid());
        }
        self.stop_garbage_collection(ctx);
    }

    /// The agent's files process (the LIST_FILES and READ_FILE operator calls dispatch
    /// `files::Browse` and `files::Read` to it).
    pub fn files(&self) -> Option<&Pid<FilesProcess>> {
        self.files.as_ref()
    }

    /// A new executor is about to be created: its executor and framework directories must
    /// not be removed under it.
    pub(crate) fn sandbox_in_use(&mut self, framework_id: &str, executor_id: &str) {
        let work_dir = self.options.work_dir.clone();
        let agent_id = self.agent_id().to_owned();
        self.unschedule_garbage_collection(&paths::framework_dir(
            &work_dir,
            &agent_id,
            framework_id,
        ));
        self.unschedule_garbage_collection(&paths::executor_dir(
            &work_dir,
            &agent_id,
            framework_id,
            executor_id,
        ));
    }

    /// Serves a new run's sandbox under the real path, the `runs/latest` path and the
    /// virtual path.
    pub(crate) fn attach_sandbox(
        &mut self,
        framework_id: &str,
        executor_id: &str,
        directory: &Path,
    ) {
        let Some(files) = &self.files else {
            return;
        };
        let latest = paths::executor_latest_run_link(
            &self.options.work_dir,
            self.agent_id(),
            framework_id,
            executor_id,
        );
        for virtual_path in [
            directory.display().to_string(),
            latest.display().to_string(),
            executor_virtual_path(framework_id, executor_id),
        ] {
            files.dispatch(Attach {
                path: directory.to_path_buf(),
                virtual_path,
            });
        }
    }

    /// An executor finished (Mesos's `removeExecutor`): its run's sandbox goes after
    /// `--gc_delay` (then its real path is detached), and so does the executor's directory
    /// (then its `latest` paths are), unless a new run starts there first.
    pub(crate) fn executor_sandbox_done(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
    ) {
        let Some(executor) = self.books.executor(framework_id, executor_id) else {
            return;
        };
        let run = executor.directory.clone();
        let work_dir = self.options.work_dir.clone();
        let agent_id = self.agent_id().to_owned();
        let latest =
            paths::executor_latest_run_link(&work_dir, &agent_id, framework_id, executor_id);
        self.garbage_collect(ctx, &run, vec![run.display().to_string()]);
        self.garbage_collect(
            ctx,
            &paths::executor_dir(&work_dir, &agent_id, framework_id, executor_id),
            vec![
                latest.display().to_string(),
                executor_virtual_path(framework_id, executor_id),
            ],
        );
    }

    /// A framework left this agent (Mesos's `removeFramework`): its directory goes after
    /// `--gc_delay`.
    pub(crate) fn framework_sandbox_done(&mut self, ctx: &mut Context<Self>, framework_id: &str) {
        let path = paths::framework_dir(&self.options.work_dir, self.agent_id(), framework_id);
        self.garbage_collect(ctx, &path, Vec::new());
    }
}
