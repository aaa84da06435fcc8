//! The actix shell around a process: an actor that drains the process's own mailbox in
//! bounded batches when woken, and terminates the process alone if a handler panics.

use std::{collections::VecDeque, rc::Rc};

use crate::{
    Context, Failure, Process,
    event::{Event, HttpEvent},
    filter::FilterEvent,
    http::{Reply, Response, routing},
    panics::{Handling, Panicked, failed_response, guard},
};

/// How many events one run handles before yielding the worker thread to other processes.
const BATCH: usize = 256;

/// The wake-up call: "your mailbox has events". Sent on a tokio channel that the actor
/// consumes as a stream, which costs less than an actix envelope per wake-up.
pub(crate) struct Run;

/// The actor's end of the wake-up channel, as a stream.
pub(crate) struct Wakeups(pub(crate) tokio::sync::mpsc::UnboundedReceiver<Run>);

impl futures::Stream for Wakeups {
    type Item = Run;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Run>> {
        self.0.poll_recv(cx)
    }
}

pub(crate) struct ProcessActor<P: Process> {
    /// Boxed so the actor is `Unpin` whatever `P` is.
    process: Option<Box<P>>,
    context: Context<P>,
    batch: VecDeque<Event<P>>,
    wakeups: Option<Wakeups>,
}

impl<P: Process> ProcessActor<P> {
    pub(crate) fn new(process: P, context: Context<P>, wakeups: Wakeups) -> Self {
        Self {
            wakeups: Some(wakeups),
            process: Some(Box::new(process)),
            context,
            batch: VecDeque::with_capacity(BATCH),
        }
    }

    /// Handles up to [`BATCH`] events. Events taken from the mailbox but not yet handled stay
    /// in `batch`, ahead of anything queued since, so order is kept.
    fn run(&mut self, actix_context: &mut actix::Context<Self>) {
        let cell = self.context.cell.clone();
        if self.batch.is_empty() {
            cell.take_all(&mut self.batch);
        }
        for _ in 0..BATCH {
            let Some(event) = self.batch.pop_front() else {
                break;
            };
            if let Err(panicked) = self.handle(event) {
                self.terminate(actix_context, Some(panicked));
                return;
            }
            if self.context.terminating {
                self.terminate(actix_context, None);
                return;
            }
        }
        // Yield the thread to other processes; come back for the rest.
        if !self.batch.is_empty() || cell.finish_batch() {
            cell.wake();
        }
    }

    /// Handles one event; `Err` if its handler panicked (the process must then terminate).
    fn handle(&mut self, event: Event<P>) -> Result<(), Panicked> {
        let Some(process) = self.process.as_deref_mut() else {
            return Ok(());
        };
        let context = &mut self.context;
        let filters = context.runtime.filters();
        if filters.is_active() && !passes(filters, &event, &context.cell.upid) {
            return Ok(());
        }
        match event {
            Event::Initialize => guard(|| process.initialize(context))
                .map_err(|payload| Panicked::new(Handling::Initialize, payload)),
            Event::Message(message) => match context.handlers.get(message.name.as_str()) {
                Some(installed) => {
                    let name = installed.name.clone();
                    let handler = installed.handler.clone();
                    guard(|| handler(process, context, message))
                        .map_err(|payload| Panicked::new(Handling::Message(name), payload))
                }
                None => {
                    let name = Rc::from(message.name.as_str());
                    guard(|| process.unhandled(context, message))
                        .map_err(|payload| Panicked::new(Handling::Message(name), payload))
                }
            },
            Event::Dispatch(dispatch) => {
                let handling = Handling::Dispatch {
                    origin: dispatch.origin,
                    type_name: dispatch.message_type.map(|(_, type_name)| type_name),
                };
                guard(|| (dispatch.run)(process, context))
                    .map_err(|payload| Panicked::new(handling, payload))
            }
            Event::Http(http) => serve(process, context, http),
            Event::Exited(pid) => {
                context.runtime.inner.links.forget(&context.cell.upid, &pid);
                guard(|| process.exited(context, &pid))
                    .map_err(|payload| Panicked::new(Handling::Exited(pid), payload))
            }
            Event::Terminate => {
                context.terminating = true;
                Ok(())
            }
        }
    }

    /// Ends the process: runs `finalize` (unless a handler panicked, `panicked`), drops its
    /// state, stops its streams, answers or drops what is still queued, removes it from the
    /// runtime (its linkers hear `exited`) and wakes its waiters.
    fn terminate(&mut self, actix_context: &mut actix::Context<Self>, panicked: Option<Panicked>) {
        use actix::ActorContext;
        let cell = self.context.cell.clone();
        let mut failed = false;
        if let Some(panicked) = panicked {
            self.fail(panicked);
            failed = true;
        }
        if let Some(mut process) = self.process.take() {
            // After a panic the state may be half-updated: finalize, written for an orderly
            // end, does not run; the state is only dropped.
            if !failed && let Err(payload) = guard(|| process.finalize(&mut self.context)) {
                self.fail(Panicked::new(Handling::Finalize, payload));
                failed = true;
            }
            // Dropping the state closes the streams it writes and abandons the replies it
            // owes (an abandoned HTTP reply of a failed process is a 500, see `serve`).
            if let Err(payload) = guard(move || drop(process)) {
                self.fail(Panicked::new(Handling::Drop, payload));
                failed = true;
            }
        }
        // Streams it consumed close now, as when a client goes away.
        self.context.consumers.stop_all();
        let leftover = cell.close();
        let dropped = leftover.len() + self.batch.len();
        if dropped > 0 {
            tracing::debug!(pid = %cell.upid, dropped, "dropped events queued at termination");
        }
        if failed {
            // Requests queued behind the panic learn that the process failed.
            for event in leftover.into_iter().chain(self.batch.drain(..)) {
                if let Event::Http(http) = event {
                    http.respond.set(failed_response(&cell.upid));
                }
            }
        } else {
            drop(leftover);
            self.batch.clear();
        }
        self.context.runtime.inner.process_terminated(&cell.upid);
        tracing::debug!(pid = %cell.upid, "process exited");
        cell.mark_exited();
        cell.activity.end();
        actix_context.stop();
    }

    /// Logs a caught panic and marks the process failed, or aborts the OS process if the
    /// runtime was built with [`abort_on_panic`](crate::RuntimeBuilder::abort_on_panic).
    fn fail(&self, panicked: Panicked) {
        let cell = &self.context.cell;
        let abort = self.context.runtime.inner.config.abort_on_panic;
        panicked.log(&cell.upid, abort);
        if abort {
            std::process::abort();
        }
        cell.mark_failed();
    }
}

fn passes<P: Process>(filters: &crate::Filters, event: &Event<P>, to: &crate::Upid) -> bool {
    match event {
        Event::Message(message) => filters.deliver(FilterEvent::Message(message)),
        Event::Dispatch(dispatch) => match dispatch.message_type {
            Some((message_type, _)) => filters.deliver(FilterEvent::Dispatch { message_type, to }),
            None => true,
        },
        Event::Exited(from) => filters.deliver(FilterEvent::Exited { from, to }),
        _ => true,
    }
}

/// Runs the route for an HTTP event (longest prefix first) and sends back its reply; `Err`
/// if the route panicked (the request is then answered 500).
fn serve<P: Process>(
    process: &mut P,
    context: &mut Context<P>,
    http: HttpEvent,
) -> Result<(), Panicked> {
    let HttpEvent {
        request,
        target,
        respond,
    } = http;
    let remainder = routing::split_first_segment(&target).1;
    let handler = routing::route_candidates(remainder)
        .into_iter()
        .find_map(|candidate| context.routes.get(candidate).cloned());
    let Some(handler) = handler else {
        respond.set(Response::not_found());
        return Ok(());
    };
    let method = request.method.clone();
    match guard(|| handler(process, context, request)) {
        Ok(Reply::Now(response)) => respond.set(response),
        Ok(Reply::Later(future)) => {
            let cell = context.cell.clone();
            future.on_complete(move |result| {
                respond.set(match result {
                    Ok(response) => response,
                    // The process panicked and its state, holding the promise, was dropped.
                    Err(Failure::Abandoned) if cell.has_failed() => failed_response(&cell.upid),
                    Err(failure) => Response::internal_error(failure.to_string()),
                })
            })
        }
        Err(payload) => {
            respond.set(failed_response(&context.cell.upid));
            return Err(Panicked::new(Handling::Http { method, target }, payload));
        }
    }
    Ok(())
}

impl<P: Process> actix::Actor for ProcessActor<P> {
    type Context = actix::Context<Self>;

    fn started(&mut self, actix_context: &mut actix::Context<Self>) {
        use actix::AsyncContext;
        if let Some(wakeups) = self.wakeups.take() {
            actix_context.add_stream(wakeups);
        }
    }
}

impl<P: Process> actix::StreamHandler<Run> for ProcessActor<P> {
    fn handle(&mut self, _run: Run, actix_context: &mut actix::Context<Self>) {
        self.run(actix_context);
    }

    fn finished(&mut self, _actix_context: &mut actix::Context<Self>) {
        // The cell (the only sender) is gone; the actor stops when terminated, not here.
    }
}
