//! Test filters: await or drop messages, dispatches and exit notices as they are dequeued.

use std::{
    any::TypeId,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use parking_lot::Mutex;

use crate::{
    Message, Upid,
    future::{Future, Promise},
};

/// Which messages a filter matches; `None` fields match anything.
///
/// ```
/// use libprocess::MessageMatcher;
///
/// let any_ping = MessageMatcher::name("ping");
/// let ping_to_pong = MessageMatcher::name("ping").to("pong@127.0.0.1:5050".parse().unwrap());
/// # let _ = (any_ping, ping_to_pong);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageMatcher {
    /// The message name.
    pub name: Option<String>,
    /// The sender.
    pub from: Option<Upid>,
    /// The receiver.
    pub to: Option<Upid>,
}

impl MessageMatcher {
    /// Matches every message.
    pub fn any() -> Self {
        Self::default()
    }

    /// Matches messages named `name`.
    pub fn name(name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            ..Self::default()
        }
    }

    /// Also requires the sender to be `from`.
    pub fn from(mut self, from: Upid) -> Self {
        self.from = Some(from);
        self
    }

    /// Also requires the receiver to be `to`.
    pub fn to(mut self, to: Upid) -> Self {
        self.to = Some(to);
        self
    }

    fn matches(&self, message: &Message) -> bool {
        self.name.as_ref().is_none_or(|name| *name == message.name)
            && self.from.as_ref().is_none_or(|from| *from == message.from)
            && self.to.as_ref().is_none_or(|to| *to == message.to)
    }
}

/// What a filter sees of an event when it is dequeued.
pub(crate) enum FilterEvent<'a> {
    Message(&'a Message),
    Dispatch { message_type: TypeId, to: &'a Upid },
    Exited { from: &'a Upid, to: &'a Upid },
}

enum Action {
    ExpectMessage(MessageMatcher, Option<Promise<Message>>),
    DropMessage(MessageMatcher, Option<Promise<Message>>),
    DropMessages(MessageMatcher, u64),
    ExpectDispatch(TypeId, Option<Upid>, Option<Promise<()>>),
    DropDispatch(TypeId, Option<Upid>, Option<Promise<()>>),
    ExpectExited(Option<Upid>, Option<Upid>, Option<Promise<()>>),
}

#[derive(Default)]
struct FiltersInner {
    active: AtomicUsize,
    actions: Mutex<Vec<Action>>,
    next_guard: Mutex<u64>,
}

/// The filters of one runtime, applied when an event is dequeued (as Mesos does): tests
/// await messages, dispatches and exits, or drop them.
///
/// Outbound messages to other OS processes are not seen; filter the inbound message that
/// causes them instead. With no filter installed the cost is one atomic load per event.
#[derive(Clone, Default)]
pub struct Filters {
    inner: Arc<FiltersInner>,
}

/// Drops every matching message while it lives (from [`Filters::drop_messages`]).
#[must_use = "the messages are dropped only while the guard lives"]
pub struct DropGuard {
    filters: Filters,
    id: u64,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        let mut actions = self.filters.inner.actions.lock();
        actions.retain(|action| !matches!(action, Action::DropMessages(_, id) if *id == self.id));
        self.filters
            .inner
            .active
            .store(actions.len(), Ordering::Release);
    }
}

impl Filters {
    fn push(&self, action: Action) {
        let mut actions = self.inner.actions.lock();
        actions.push(action);
        self.inner.active.store(actions.len(), Ordering::Release);
    }

    /// The next message matching `matcher`; the message is still delivered.
    pub fn expect_message(&self, matcher: MessageMatcher) -> Future<Message> {
        let (promise, future) = Promise::new();
        self.push(Action::ExpectMessage(matcher, Some(promise)));
        future
    }

    /// Drops the next message matching `matcher` and yields it.
    pub fn drop_message(&self, matcher: MessageMatcher) -> Future<Message> {
        let (promise, future) = Promise::new();
        self.push(Action::DropMessage(matcher, Some(promise)));
        future
    }

    /// Drops every message matching `matcher` until the guard is dropped.
    pub fn drop_messages(&self, matcher: MessageMatcher) -> DropGuard {
        let id = {
            let mut next = self.inner.next_guard.lock();
            *next += 1;
            *next
        };
        self.push(Action::DropMessages(matcher, id));
        DropGuard {
            filters: self.clone(),
            id,
        }
    }

    /// Set when the next dispatch of message type `M` (to `to`, or to anyone) is dequeued;
    /// the dispatch still runs.
    pub fn expect_dispatch<M: 'static>(&self, to: Option<Upid>) -> Future<()> {
        let (promise, future) = Promise::new();
        self.push(Action::ExpectDispatch(TypeId::of::<M>(), to, Some(promise)));
        future
    }

    /// Drops the next dispatch of message type `M` (to `to`, or to anyone).
    pub fn drop_dispatch<M: 'static>(&self, to: Option<Upid>) -> Future<()> {
        let (promise, future) = Promise::new();
        self.push(Action::DropDispatch(TypeId::of::<M>(), to, Some(promise)));
        future
    }

    /// Set when the next exit notice about `from` reaches `to` (`None` matches anyone).
    pub fn expect_exited(&self, from: Option<Upid>, to: Option<Upid>) -> Future<()> {
        let (promise, future) = Promise::new();
        self.push(Action::ExpectExited(from, to, Some(promise)));
        future
    }

    /// Whether any filter is installed (one relaxed load).
    pub(crate) fn is_active(&self) -> bool {
        self.inner.active.load(Ordering::Relaxed) > 0
    }

    /// Applies the filters; `false` means drop the event.
    pub(crate) fn deliver(&self, event: FilterEvent<'_>) -> bool {
        let mut actions = self.inner.actions.lock();
        let mut deliver = true;
        let mut fired: Option<usize> = None;
        let mut completions: Vec<Box<dyn FnOnce()>> = Vec::new();
        for (index, action) in actions.iter_mut().enumerate() {
            match (action, &event) {
                (Action::ExpectMessage(matcher, promise), FilterEvent::Message(message))
                    if matcher.matches(message) =>
                {
                    if let Some(promise) = promise.take() {
                        let message = (*message).clone();
                        completions.push(Box::new(move || promise.set(message)));
                    }
                    fired = Some(index);
                    break;
                }
                (Action::DropMessage(matcher, promise), FilterEvent::Message(message))
                    if matcher.matches(message) =>
                {
                    if let Some(promise) = promise.take() {
                        let message = (*message).clone();
                        completions.push(Box::new(move || promise.set(message)));
                    }
                    deliver = false;
                    fired = Some(index);
                    break;
                }
                (Action::DropMessages(matcher, _), FilterEvent::Message(message))
                    if matcher.matches(message) =>
                {
                    deliver = false;
                    break;
                }
                (
                    Action::ExpectDispatch(type_id, to, promise),
                    FilterEvent::Dispatch {
                        message_type,
                        to: receiver,
                    },
                ) if type_id == message_type && to.as_ref().is_none_or(|to| to == *receiver) => {
                    if let Some(promise) = promise.take() {
                        completions.push(Box::new(move || promise.set(())));
                    }
                    fired = Some(index);
                    break;
                }
                (
                    Action::DropDispatch(type_id, to, promise),
                    FilterEvent::Dispatch {
                        message_type,
                        to: receiver,
                    },
                ) if type_id == message_type && to.as_ref().is_none_or(|to| to == *receiver) => {
                    if let Some(promise) = promise.take() {
                        completions.push(Box::new(move || promise.set(())));
                    }
                    deliver = false;
                    fired = Some(index);
                    break;
                }
                (
                    Action::ExpectExited(from, to, promise),
                    FilterEvent::Exited {
                        from: exited,
                        to: linker,
                    },
                ) if from.as_ref().is_none_or(|f| f == *exited)
                    && to.as_ref().is_none_or(|t| t == *linker) =>
                {
                    if let Some(promise) = promise.take() {
                        completions.push(Box::new(move || promise.set(())));
                    }
                    fired = Some(index);
                    break;
                }
                _ => {}
            }
        }
        if let Some(index) = fired {
            actions.remove(index);
        }
        self.inner.active.store(actions.len(), Ordering::Release);
        drop(actions);
        for completion in completions {
            completion();
        }
        if !deliver {
            tracing::warn!(reason = "filtered", "dropped message");
        }
        deliver
    }
}
