//! `Promise` and `Future`: one-shot values settable from any thread, awaitable anywhere, and
//! chainable onto a process with `Context::then`.

use std::{
    fmt,
    pin::Pin,
    sync::Arc,
    task::{Context as TaskContext, Poll, Waker},
    time::Duration,
};

use parking_lot::{Condvar, Mutex};

/// Why a [`Future`] has no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The promise was dropped without a value, typically because the process that owed the
    /// answer terminated (or was already gone) before answering.
    #[error("abandoned: the promise was dropped without a value (did the process terminate?)")]
    Abandoned,
    /// The producer reported a failure with this message.
    #[error("failed: {0}")]
    Failed(String),
}

type Callback<T> = Box<dyn FnOnce(Result<T, Failure>) + Send>;

struct State<T> {
    value: Option<Result<T, Failure>>,
    completed: bool,
    waker: Option<Waker>,
    callback: Option<Callback<T>>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    condvar: Condvar,
}

/// The writing end of a [`Future`]: set it once, from any thread.
///
/// Dropping a promise without setting it completes its future with [`Failure::Abandoned`].
pub struct Promise<T> {
    shared: Option<Arc<Shared<T>>>,
}

/// A value that will be set once by a [`Promise`].
///
/// It is a `std::future::Future` with output `Result<T, Failure>`, so async code can `.await`
/// it; synchronous code (tests, `main`) can [`block`](Future::block) on it; a process chains a
/// continuation onto it with [`Context::then`](crate::Context::then).
#[must_use = "a Future does nothing unless awaited, blocked on, or chained"]
pub struct Future<T> {
    shared: Arc<Shared<T>>,
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Future")
            .field("ready", &self.is_ready())
            .finish()
    }
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Promise").finish_non_exhaustive()
    }
}

impl<T> Promise<T> {
    /// A new promise and the future it completes.
    pub fn new() -> (Promise<T>, Future<T>) {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                value: None,
                completed: false,
                waker: None,
                callback: None,
            }),
            condvar: Condvar::new(),
        });
        (
            Promise {
                shared: Some(shared.clone()),
            },
            Future { shared },
        )
    }

    /// Completes the future with `value`.
    pub fn set(mut self, value: T) {
        self.complete(Ok(value));
    }

    /// Completes the future with [`Failure::Failed`] carrying `message`.
    pub fn fail(mut self, message: impl Into<String>) {
        self.complete(Err(Failure::Failed(message.into())));
    }

    /// Completes the future with `result`.
    pub fn complete_with(mut self, result: Result<T, Failure>) {
        self.complete(result);
    }

    fn complete(&mut self, result: Result<T, Failure>) {
        let Some(shared) = self.shared.take() else {
            return;
        };
        let mut state = shared.state.lock();
        state.completed = true;
        if let Some(callback) = state.callback.take() {
            drop(state);
            callback(result);
            return;
        }
        state.value = Some(result);
        let waker = state.waker.take();
        drop(state);
        shared.condvar.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Drop for Promise<T> {
    fn drop(&mut self) {
        self.complete(Err(Failure::Abandoned));
    }
}

impl<T> Future<T> {
    /// A future that is already set to `value`.
    pub fn ready(value: T) -> Self {
        let (promise, future) = Promise::new();
        promise.set(value);
        future
    }

    /// A future that has already failed with `message`.
    pub fn failed(message: impl Into<String>) -> Self {
        let (promise, future) = Promise::new();
        promise.fail(message);
        future
    }

    /// Whether the value (or failure) is already there.
    pub fn is_ready(&self) -> bool {
        self.shared.state.lock().completed
    }

    /// Blocks the calling thread until the value is set.
    ///
    /// For tests and `main`; never call it from inside a process handler (it would block the
    /// worker thread that has to produce the value): use [`Context::then`](crate::Context::then).
    pub fn block(self) -> Result<T, Failure> {
        let mut state = self.shared.state.lock();
        loop {
            if let Some(value) = state.value.take() {
                return value;
            }
            self.shared.condvar.wait(&mut state);
        }
    }

    /// Like [`block`](Future::block) but gives the future back if it is not set within
    /// `timeout` of real time (a deadline for tests, so a bug fails instead of hanging).
    pub fn block_timeout(self, timeout: Duration) -> Result<Result<T, Failure>, Self> {
        let deadline = std::time::Instant::now() + timeout;
        {
            let mut state = self.shared.state.lock();
            loop {
                if let Some(value) = state.value.take() {
                    return Ok(value);
                }
                if self
                    .shared
                    .condvar
                    .wait_until(&mut state, deadline)
                    .timed_out()
                {
                    break;
                }
            }
        }
        Err(self)
    }

    /// Runs `callback` with the result once it is set (at once if it already is), on the
    /// thread that sets it.
    pub(crate) fn on_complete(self, callback: impl FnOnce(Result<T, Failure>) + Send + 'static) {
        let mut state = self.shared.state.lock();
        if let Some(value) = state.value.take() {
            drop(state);
            callback(value);
        } else {
            state.callback = Some(Box::new(callback));
        }
    }
}

impl<T: Send + 'static> Future<T> {
    /// A future of all the values of `futures`, in order; fails with the first failure.
    pub fn all(futures: Vec<Future<T>>) -> Future<Vec<T>> {
        let (promise, future) = Promise::new();
        if futures.is_empty() {
            promise.set(Vec::new());
            return future;
        }
        struct Collect<T> {
            values: Vec<Option<T>>,
            remaining: usize,
            promise: Option<Promise<Vec<T>>>,
        }
        let collect = Arc::new(Mutex::new(Collect {
            values: futures.iter().map(|_| None).collect(),
            remaining: futures.len(),
            promise: Some(promise),
        }));
        for (index, each) in futures.into_iter().enumerate() {
            let collect = collect.clone();
            each.on_complete(move |result| {
                let mut collect = collect.lock();
                match result {
                    Ok(value) => {
                        collect.values[index] = Some(value);
                        collect.remaining -= 1;
                        if collect.remaining == 0 {
                            let values = collect.values.drain(..).flatten().collect();
                            if let Some(promise) = collect.promise.take() {
                                promise.set(values);
                            }
                        }
                    }
                    Err(failure) => {
                        if let Some(promise) = collect.promise.take() {
                            promise.complete_with(Err(failure));
                        }
                    }
                }
            });
        }
        future
    }

    /// A future of `f` applied to this one's value, computed on the thread that sets it.
    pub fn map<U: Send + 'static>(self, f: impl FnOnce(T) -> U + Send + 'static) -> Future<U> {
        let (promise, future) = Promise::new();
        self.on_complete(move |result| promise.complete_with(result.map(f)));
        future
    }
}

impl<T> std::future::Future for Future<T> {
    type Output = Result<T, Failure>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let mut state = self.shared.state.lock();
        if let Some(value) = state.value.take() {
            return Poll::Ready(value);
        }
        if state.completed {
            // Already taken by an earlier poll; polling again after Ready is a caller bug.
            return Poll::Ready(Err(Failure::Abandoned));
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_from_another_thread_unblocks() {
        let (promise, future) = Promise::new();
        let setter = std::thread::spawn(move || promise.set(7));
        assert_eq!(future.block(), Ok(7));
        setter.join().unwrap();
    }

    #[test]
    fn dropped_promise_abandons() {
        let (promise, future) = Promise::<u8>::new();
        drop(promise);
        assert_eq!(future.block(), Err(Failure::Abandoned));
    }

    #[test]
    fn all_keeps_order_and_fails_fast() {
        let (first, first_future) = Promise::new();
        let (second, second_future) = Promise::new();
        let both = Future::all(vec![first_future, second_future]);
        second.set(2);
        first.set(1);
        assert_eq!(both.block(), Ok(vec![1, 2]));
        let failing = Future::all(vec![Future::ready(1), Future::failed("no")]);
        assert_eq!(failing.block(), Err(Failure::Failed("no".into())));
    }

    #[test]
    fn awaits_as_a_std_future() {
        let future = Future::ready(3).map(|v| v * 2);
        assert_eq!(futures::executor::block_on(future), Ok(6));
    }
}
