//! Ping-pong across two OS processes.
//!
//! ```sh
//! cargo run --example ping_pong -p libprocess -- --role pong          # prints pong@IP:PORT
//! cargo run --example ping_pong -p libprocess -- --role ping --pong pong@IP:PORT --count 1000
//! ```
//!
//! The pong side prints its UPID as the first stdout line and answers every `ping` with a
//! `pong`. The ping side sends `ping`, waits for the `pong`, repeats `--count` times, prints
//! `done N round trips in D` and exits.

use std::{io::Write, net::IpAddr, time::Instant};

use clap::{Parser, ValueEnum};
use libprocess::{Context, Message, Process, Promise, Runtime, Upid};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Role {
    Ping,
    Pong,
}

/// Command-line flags.
#[derive(Parser)]
#[command(about = "libprocess ping-pong between two OS processes")]
struct Flags {
    /// Which side to run.
    #[arg(long, value_enum)]
    role: Role,
    /// The IP address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    ip: IpAddr,
    /// The port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The pong process to ping (ping side).
    #[arg(long)]
    pong: Option<Upid>,
    /// How many round trips (ping side).
    #[arg(long, default_value_t = 10)]
    count: u64,
}

/// Answers `ping` with `pong`.
struct Ponger;

impl Process for Ponger {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(
            "ping",
            |_: &mut Self, ctx: &mut Context<Self>, message: Message| {
                ctx.send(&message.from, "pong", message.body);
            },
        );
    }
}

/// Sends `ping`, waits for `pong`, `remaining` times, then reports.
struct Pinger {
    pong: Upid,
    remaining: u64,
    done: Option<Promise<()>>,
}

impl Process for Pinger {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.install(
            "pong",
            |pinger: &mut Self, ctx: &mut Context<Self>, _message: Message| {
                pinger.remaining -= 1;
                if pinger.remaining == 0 {
                    if let Some(done) = pinger.done.take() {
                        done.set(());
                    }
                } else {
                    ctx.send(&pinger.pong, "ping", "");
                }
            },
        );
        ctx.send(&self.pong, "ping", "");
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let flags = Flags::parse();
    let runtime = Runtime::builder().ip(flags.ip).port(flags.port).build()?;
    let mut stdout = std::io::stdout();
    match flags.role {
        Role::Pong => {
            let pong = runtime.spawn("pong", Ponger)?;
            writeln!(stdout, "{}", pong.upid())?;
            stdout.flush()?;
            pong.wait().block()?;
        }
        Role::Ping => {
            let pong = flags
                .pong
                .ok_or("--pong <UPID> is required with --role ping")?;
            let count = flags.count.max(1);
            let (done, finished) = Promise::new();
            let started = Instant::now();
            runtime.spawn(
                "ping",
                Pinger {
                    pong,
                    remaining: count,
                    done: Some(done),
                },
            )?;
            finished.block()?;
            writeln!(
                stdout,
                "done {count} round trips in {:?}",
                started.elapsed()
            )?;
        }
    }
    Ok(())
}
