//! A process consuming a stream: `Context::consume` turns each chunk of a `StreamReader`,
//! then its end, into events of the process. An in-process stream queues each chunk on the
//! process as it is written (so settle counts it); a remote one is read by a task on the
//! process's worker thread.

use std::sync::Arc;

use bytes::Bytes;
use futures::future::{AbortHandle, Abortable};
use tokio::sync::Semaphore;

use crate::{
    Context, Process, StreamReader,
    continuation::{enqueue_continuation, try_enqueue_continuation},
    hash::FastMap,
    http::{ClientError, Consumable, LocalReader, Sink},
    mailbox::Cell,
};

/// How many chunks of a remote stream may wait in a consumer's mailbox before the reading
/// task stops taking more (and so, in turn, the client stops reading the socket).
const REMOTE_WINDOW: usize = 16;

/// Identifies a stream a process consumes, from [`Context::consume`], for
/// [`Context::stop_consuming`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConsumerId(u64);

type OnChunk<P> = Box<dyn FnMut(&mut P, &mut Context<P>, Bytes)>;
type OnEnd<P> = Box<dyn FnOnce(&mut P, &mut Context<P>, Result<(), ClientError>)>;

/// What keeps a stream flowing to the process; dropping it stops the stream.
enum Source {
    /// An in-process stream with this process's sink attached; dropping the reader closes
    /// the stream (its writers see [`StreamClosed`](crate::http::StreamClosed)).
    Local { _reader: LocalReader },
    /// The task reading a remote stream; aborting it drops the reader, which closes the
    /// connection.
    Remote(AbortHandle),
}

impl Drop for Source {
    fn drop(&mut self) {
        if let Source::Remote(task) = self {
            task.abort();
        }
    }
}

struct Consumer<P: Process> {
    /// Taken out while it runs (it gets the context, which holds it).
    on_chunk: Option<OnChunk<P>>,
    on_end: OnEnd<P>,
    /// Held only to be dropped.
    _source: Source,
}

/// The streams a process consumes, by id.
pub(crate) struct Consumers<P: Process> {
    next_id: u64,
    active: FastMap<u64, Consumer<P>>,
}

impl<P: Process> Default for Consumers<P> {
    fn default() -> Self {
        Self {
            next_id: 0,
            active: FastMap::default(),
        }
    }
}

impl<P: Process> Consumers<P> {
    /// Stops every stream (the process is terminating): each writer sees the client go.
    pub(crate) fn stop_all(&mut self) {
        self.active.clear();
    }
}

/// Queues an in-process stream's chunks and end on the consuming process.
struct LocalSink<P: Process> {
    cell: Arc<Cell<P>>,
    id: u64,
}

impl<P: Process> Sink for LocalSink<P> {
    fn chunk(&mut self, chunk: Bytes) -> bool {
        let id = self.id;
        try_enqueue_continuation(&self.cell, "stream chunk", move |process, ctx| {
            deliver_chunk(process, ctx, id, chunk)
        })
    }

    fn end(&mut self) {
        let id = self.id;
        enqueue_continuation(&self.cell, "stream end", move |process, ctx| {
            deliver_end(process, ctx, id, Ok(()))
        });
    }
}

fn deliver_chunk<P: Process>(process: &mut P, ctx: &mut Context<P>, id: u64, chunk: Bytes) {
    let Some(mut on_chunk) = ctx
        .consumers
        .active
        .get_mut(&id)
        .and_then(|consumer| consumer.on_chunk.take())
    else {
        return; // Stopped: chunks queued before that are dropped.
    };
    on_chunk(process, ctx, chunk);
    if let Some(consumer) = ctx.consumers.active.get_mut(&id) {
        consumer.on_chunk = Some(on_chunk);
    }
}

fn deliver_end<P: Process>(
    process: &mut P,
    ctx: &mut Context<P>,
    id: u64,
    end: Result<(), ClientError>,
) {
    let Some(consumer) = ctx.consumers.active.remove(&id) else {
        return;
    };
    let Consumer { on_end, .. } = consumer;
    on_end(process, ctx, end);
}

/// Reads a remote stream on the current worker thread, queueing each chunk on the process
/// (at most [`REMOTE_WINDOW`] at a time) and then the end.
fn spawn_remote_reader<P: Process>(
    cell: Arc<Cell<P>>,
    id: u64,
    mut reader: StreamReader,
) -> AbortHandle {
    let (handle, registration) = AbortHandle::new_pair();
    let window = Arc::new(Semaphore::new(REMOTE_WINDOW));
    let task = async move {
        loop {
            // The permit goes back once the chunk is handled (or dropped with the process).
            let Ok(permit) = window.clone().acquire_owned().await else {
                return;
            };
            let Some(chunk) = reader.next().await else {
                let end = reader.failure().cloned().map_or(Ok(()), Err);
                enqueue_continuation(&cell, "stream end", move |process, ctx| {
                    deliver_end(process, ctx, id, end)
                });
                return;
            };
            let queued = try_enqueue_continuation(&cell, "stream chunk", move |process, ctx| {
                deliver_chunk(process, ctx, id, chunk);
                drop(permit);
            });
            if !queued {
                return; // The process terminated.
            }
        }
    };
    actix_rt::spawn(Abortable::new(task, registration));
    handle
}

impl<P: Process> Context<P> {
    /// Consumes a streaming body: runs `on_chunk` on this process with each chunk, in
    /// order, then `on_end` once the stream ends: `Ok(())` when it ended cleanly (every
    /// writer closed, or the server finished the body), or the [`ClientError`] that broke a
    /// remote stream. Each chunk and the end is an event of this process, like a message.
    ///
    /// **In-process streams** (a [`StreamWriter`](crate::StreamWriter) of this OS process,
    /// reached through [`Runtime::http`](crate::Runtime::http) or the client's in-process
    /// short cut): each [`write`](crate::StreamWriter::write) queues its chunk on this
    /// process before it returns, and closing the last writer queues the end, so
    /// [`Clock::settle`](crate::Clock::settle) waits for every chunk written so far to be
    /// handled, exactly as for messages. Chunks written before `consume` are queued at once.
    ///
    /// **Remote streams** (a server's response to the [`http::Client`](crate::http::Client)):
    /// chunks are handed over as they arrive from the socket, by a task on this process's
    /// worker thread; settle cannot know about bytes still on the wire. At most 16 chunks
    /// wait in the mailbox at a time; beyond that the client stops reading the socket.
    ///
    /// The stream stops, and its reader is dropped (a writer then gets
    /// [`StreamClosed`](crate::http::StreamClosed) and its
    /// [`on_closed`](Context::on_closed) continuation runs; a remote connection is closed),
    /// when this process calls [`stop_consuming`](Context::stop_consuming) or terminates;
    /// chunks already queued are then dropped and `on_end` does not run. After `on_end` the
    /// reader is dropped too.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// use libprocess::{
    ///     Body, Context, Failure, Headers, Process, Request, Response, Runtime, StreamWriter,
    /// };
    ///
    /// /// Streams events to whoever GETs `/events`; writes one on every `tick`.
    /// #[derive(Default)]
    /// struct Publisher {
    ///     subscriber: Option<StreamWriter>,
    /// }
    ///
    /// impl Process for Publisher {
    ///     fn initialize(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.route("/events", |publisher: &mut Self, _: &mut Context<Self>, _| {
    ///             let (response, writer) = Response::stream(200, Headers::new());
    ///             publisher.subscriber = Some(writer);
    ///             response
    ///         });
    ///         ctx.install("tick", |publisher: &mut Self, _: &mut Context<Self>, message| {
    ///             if let Some(subscriber) = &publisher.subscriber {
    ///                 let _ = subscriber.write(message.body);
    ///             }
    ///         });
    ///     }
    /// }
    ///
    /// /// Subscribes on start and keeps every event.
    /// struct Subscriber {
    ///     events: Arc<Mutex<Vec<String>>>,
    /// }
    ///
    /// impl Process for Subscriber {
    ///     fn initialize(&mut self, ctx: &mut Context<Self>) {
    ///         let response = ctx.runtime().http(Request::get("/publisher/events"));
    ///         ctx.then(response, |_: &mut Self, ctx: &mut Context<Self>, response| {
    ///             let Ok(Response { body: Body::Stream(reader), .. }) = response else {
    ///                 return;
    ///             };
    ///             ctx.consume(
    ///                 reader,
    ///                 |subscriber: &mut Self, _: &mut Context<Self>, chunk| {
    ///                     let event = String::from_utf8_lossy(&chunk).into_owned();
    ///                     subscriber.events.lock().unwrap().push(event);
    ///                 },
    ///                 |_: &mut Self, _: &mut Context<Self>, _end| {},
    ///             );
    ///         });
    ///     }
    /// }
    ///
    /// let runtime = Runtime::builder().build()?;
    /// runtime.clock().pause();
    /// let publisher = runtime.spawn("publisher", Publisher::default())?;
    /// let events = Arc::new(Mutex::new(Vec::new()));
    /// runtime.spawn("subscriber", Subscriber { events: events.clone() })?;
    /// runtime.clock().settle_blocking();
    ///
    /// runtime.send(publisher.upid(), "tick", "first");
    /// runtime.send(publisher.upid(), "tick", "second");
    /// // Settling is enough: no waiting for the events to come through.
    /// runtime.clock().settle_blocking();
    /// assert_eq!(*events.lock().unwrap(), ["first", "second"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume<C, E>(&mut self, reader: StreamReader, on_chunk: C, on_end: E) -> ConsumerId
    where
        C: FnMut(&mut P, &mut Context<P>, Bytes) + 'static,
        E: FnOnce(&mut P, &mut Context<P>, Result<(), ClientError>) + 'static,
    {
        let id = self.consumers.next_id;
        self.consumers.next_id += 1;
        let source = match reader.into_consumable() {
            Consumable::Local(local) => {
                // Anything queued now runs after this event, by when the consumer is known.
                local.attach(Box::new(LocalSink {
                    cell: self.cell.clone(),
                    id,
                }));
                Source::Local { _reader: local }
            }
            Consumable::Remote(reader) => {
                Source::Remote(spawn_remote_reader(self.cell.clone(), id, reader))
            }
        };
        self.consumers.active.insert(
            id,
            Consumer {
                on_chunk: Some(Box::new(on_chunk)),
                on_end: Box::new(on_end),
                _source: source,
            },
        );
        ConsumerId(id)
    }

    /// Stops consuming a stream: no chunk of it (even one already queued) is handed over
    /// any more and `on_end` does not run. Its reader is dropped: an in-process stream is
    /// closed before this returns (its writers get
    /// [`StreamClosed`](crate::http::StreamClosed) and their
    /// [`on_closed`](Context::on_closed) continuations are queued); a remote connection
    /// is closed by the reading task as soon as it next runs. `false` if the stream had
    /// already ended or was stopped.
    pub fn stop_consuming(&mut self, consumer: ConsumerId) -> bool {
        self.consumers.active.remove(&consumer.0).is_some()
    }

    /// Whether the stream of `consumer` is still being consumed (its `on_end` has not run
    /// and it was not stopped).
    pub fn is_consuming(&self, consumer: ConsumerId) -> bool {
        self.consumers.active.contains_key(&consumer.0)
    }
}
