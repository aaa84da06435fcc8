//! Starting and stopping the threads under a runtime: the actix system with its worker
//! arbiters (which also run the sockets), the HTTP listener, and the clock's timer thread.

use std::{
    cell::Cell as ThreadFlag,
    net::{SocketAddr, TcpListener},
    sync::{Arc, atomic::Ordering},
    thread::JoinHandle,
    time::Duration,
};

use parking_lot::Mutex;

use super::{BuildError, Owner, Runtime, RuntimeConfig, RuntimeInner};
use crate::{
    builtin,
    transport::{
        inbound::{self, InboundLimits},
        outbound::{Outbound, OutboundLimits},
    },
};

thread_local! {
    /// Set on the runtime's own threads, where shutdown must not block on itself.
    static ON_RUNTIME_THREAD: ThreadFlag<bool> = const { ThreadFlag::new(false) };
}

/// Handles to the running threads.
pub(crate) struct SystemParts {
    pub(crate) workers: Vec<actix_rt::ArbiterHandle>,
    system: actix_rt::System,
    thread: Mutex<Option<JoinHandle<()>>>,
}

struct Started {
    workers: Vec<actix_rt::ArbiterHandle>,
    system: actix_rt::System,
}

fn advertised(config: &RuntimeConfig, bound: SocketAddr) -> SocketAddr {
    let ip = config.advertise_ip.unwrap_or_else(|| {
        if bound.ip().is_unspecified() {
            tracing::warn!(
                "listening on all interfaces with no advertise IP; advertising 127.0.0.1"
            );
            std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
        } else {
            bound.ip()
        }
    });
    SocketAddr::new(ip, config.advertise_port.unwrap_or(bound.port()))
}

/// How many connections may wait to be accepted, as Mesos's libprocess asks (the kernel caps
/// it at `net.core.somaxconn`). The standard library's 128 is too few: a thousand executors
/// starting at once would see connection attempts dropped and retried for seconds.
const LISTEN_BACKLOG: i32 = 500_000;

/// A listening socket on `address` with [`LISTEN_BACKLOG`] (and `SO_REUSEADDR`, as the
/// standard library sets it, so a restarted process can bind its port again at once).
fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

/// Binds, starts every thread, spawns the built-in processes.
pub(crate) fn start(config: RuntimeConfig) -> Result<Runtime, BuildError> {
    let wanted = SocketAddr::new(config.ip, config.port);
    let listener = bind(wanted).map_err(|source| BuildError::Bind {
        address: wanted,
        source,
    })?;
    let bound = listener
        .local_addr()
        .map_err(|e| BuildError::Start(e.to_string()))?;
    let address = advertised(&config, bound);
    let inner = RuntimeInner::new(config.clone(), address, bound)
        .map_err(|e| BuildError::Start(format!("clock thread: {e}")))?;
    let inner = Arc::new(inner);
    let runtime = Runtime {
        inner: inner.clone(),
        _owner: None,
    };

    let (started_sender, started_receiver) = std::sync::mpsc::channel::<Result<Started, String>>();
    let server_runtime = runtime.clone();
    let limits = InboundLimits {
        max_body_bytes: config.max_body_bytes,
        body_timeout: config.body_timeout,
    };
    let workers = config.workers.max(1);
    let thread = std::thread::Builder::new()
        .name("libprocess-system".into())
        .spawn(move || run_system(workers, listener, server_runtime, limits, started_sender))
        .map_err(|e| BuildError::Start(e.to_string()))?;
    let started = started_receiver
        .recv()
        .map_err(|_| BuildError::Start("the system thread ended during start".into()))?
        .map_err(BuildError::Start)?;

    let weak = Arc::downgrade(&inner);
    let outbound = Outbound::new(
        started.workers.clone(),
        OutboundLimits {
            max_queued_bytes: config.max_queued_bytes,
            write_timeout: config.write_timeout,
            connect_timeout: config.connect_timeout,
        },
        Box::new(move |address| {
            if let Some(inner) = weak.upgrade() {
                inner.address_broken(address);
            }
        }),
    );
    let _ = inner.outbound.set(outbound);
    let _ = inner.system.set(SystemParts {
        workers: started.workers,
        system: started.system,
        thread: Mutex::new(Some(thread)),
    });
    builtin::spawn_builtins(&runtime).map_err(|e| BuildError::Start(e.to_string()))?;
    tracing::debug!(%address, %bound, "libprocess runtime started");
    Ok(Runtime {
        inner: inner.clone(),
        _owner: Some(Arc::new(Owner { inner })),
    })
}

fn run_system(
    workers: usize,
    listener: TcpListener,
    runtime: Runtime,
    limits: InboundLimits,
    started: std::sync::mpsc::Sender<Result<Started, String>>,
) {
    ON_RUNTIME_THREAD.with(|flag| flag.set(true));
    let system = actix_rt::System::new();
    let arbiters: Vec<actix_rt::Arbiter> = (0..workers).map(|_| actix_rt::Arbiter::new()).collect();
    for arbiter in &arbiters {
        arbiter.spawn_fn(|| ON_RUNTIME_THREAD.with(|flag| flag.set(true)));
    }
    let workers: Vec<actix_rt::ArbiterHandle> = arbiters.iter().map(|a| a.handle()).collect();
    if let Err(error) = inbound::start(listener, runtime, limits, workers.clone()) {
        let _ = started.send(Err(format!("HTTP server: {error}")));
        return;
    }
    let current = system.block_on(async { actix_rt::System::current() });
    let _ = started.send(Ok(Started {
        workers,
        system: current,
    }));
    let _ = system.run();
    for arbiter in arbiters {
        arbiter.stop();
        let _ = arbiter.join();
    }
}

impl RuntimeInner {
    /// Terminates processes, closes connections, stops the server and every thread.
    pub(crate) fn shutdown(&self) {
        if self.stopped.swap(true, Ordering::AcqRel) {
            return;
        }
        let blocking_allowed = !ON_RUNTIME_THREAD.with(|flag| flag.get());
        let slots: Vec<_> = self.processes.read().values().cloned().collect();
        let waits: Vec<_> = slots
            .iter()
            .map(|slot| {
                slot.terminate();
                slot.wait()
            })
            .collect();
        if blocking_allowed {
            for wait in waits {
                if wait.block_timeout(Duration::from_secs(5)).is_err() {
                    tracing::warn!("a process did not terminate within 5 s of shutdown");
                }
            }
        }
        if let Some(outbound) = self.outbound.get() {
            outbound.close_all();
        }
        if let Some(parts) = self.system.get() {
            parts.system.stop();
            if blocking_allowed {
                let thread = parts.thread.lock().take();
                if let Some(thread) = thread {
                    let _ = thread.join();
                }
            }
        }
        self.clock.shutdown();
        self.processes.write().clear();
        tracing::debug!(address = %self.address, "libprocess runtime stopped");
    }
}
