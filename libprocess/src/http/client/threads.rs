//! Where the client's connections run: on a runtime's worker threads, or on one small
//! dedicated thread of its own for code without a runtime (CLIs).

use std::{future::Future, net::SocketAddr, sync::Arc, thread::JoinHandle};

use tokio::sync::oneshot;

/// The threads a client's connection tasks run on.
pub(super) enum Threads {
    /// A runtime's worker threads; a server's connections always use the same one.
    Runtime(Vec<actix_rt::ArbiterHandle>),
    /// A dedicated thread, stopped when the last client handle and task are gone.
    Standalone(Arc<Standalone>),
}

impl Threads {
    /// Runs `task` on the thread for `address`; `false` if the threads are gone.
    pub(super) fn spawn(
        &self,
        address: Option<SocketAddr>,
        task: impl Future<Output = ()> + Send + 'static,
    ) -> bool {
        match self {
            Threads::Runtime(workers) => {
                if workers.is_empty() {
                    return false;
                }
                let index = address.map_or(0, spread) % workers.len();
                workers[index].spawn(task)
            }
            Threads::Standalone(standalone) => {
                drop(standalone.handle.spawn(task));
                true
            }
        }
    }
}

/// A cheap, stable spread of addresses over threads.
fn spread(address: SocketAddr) -> usize {
    let ip: usize = match address.ip() {
        std::net::IpAddr::V4(ip) => ip.octets().iter().map(|&b| usize::from(b)).sum(),
        std::net::IpAddr::V6(ip) => ip.octets().iter().map(|&b| usize::from(b)).sum(),
    };
    ip.wrapping_mul(31)
        .wrapping_add(usize::from(address.port()))
}

/// A thread running a single-threaded tokio runtime until dropped.
pub(super) struct Standalone {
    handle: tokio::runtime::Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Standalone {
    /// Starts the thread.
    pub(super) fn start() -> std::io::Result<Arc<Standalone>> {
        let (started_sender, started) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("libprocess-http-client".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = started_sender.send(Err(error));
                        return;
                    }
                };
                let _ = started_sender.send(Ok(runtime.handle().clone()));
                // Runs every spawned connection task until the client is gone.
                let _ = runtime.block_on(stopped);
            })?;
        let handle = started
            .recv()
            .map_err(|_| std::io::Error::other("the HTTP client thread ended during start"))??;
        Ok(Arc::new(Standalone {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        }))
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The last reference may go on the thread itself (inside a finishing task): it then
        // ends on its own once the task returns.
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}
