//! `Context::consume`: a process consuming another process's stream handles every chunk
//! written so far by the time settle returns (writes from handlers and from timers, the end,
//! a consumer that stops or terminates), and a remote stream from the HTTP client is
//! consumed through the same API. Each in-process scenario repeats many times, so a race
//! between settle and delivery would show.

#[path = "../support/mod.rs"]
mod support;

mod in_process;
mod processes;
mod remote;
