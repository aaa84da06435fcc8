//! `echo`: a process that answers every libprocess message by sending one with the same name
//! and body back to its sender.
//!
//! ```sh
//! cargo run --example echo -p libprocess -- --ip 127.0.0.1 --port 0
//! ```
//!
//! The first line on stdout is the echo process's UPID (`echo@IP:PORT`), printed once the
//! runtime is listening. Any libprocess peer (another runtime, Mesos, or a script that speaks
//! the wire protocol) can then message it.

use std::{io::Write, net::IpAddr};

use clap::Parser;
use libprocess::{Context, Message, Process, Runtime};

/// Command-line flags.
#[derive(Parser)]
#[command(about = "A libprocess echo process")]
struct Flags {
    /// The IP address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    ip: IpAddr,
    /// The port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

/// Sends every message back to where it came from.
struct Echo;

impl Process for Echo {
    fn unhandled(&mut self, ctx: &mut Context<Self>, message: Message) {
        tracing::debug!(from = %message.from, name = %message.name, "echoing");
        ctx.send(&message.from, message.name, message.body);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let flags = Flags::parse();
    let runtime = Runtime::builder().ip(flags.ip).port(flags.port).build()?;
    let echo = runtime.spawn("echo", Echo)?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", echo.upid())?;
    stdout.flush()?;
    // Runs until killed.
    echo.wait().block()?;
    Ok(())
}
