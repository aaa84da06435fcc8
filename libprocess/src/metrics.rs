//! Metrics: counters, gauges, pull gauges and timers, rendered by `/metrics/snapshot` as Mesos
//! renders them.

use std::{
    collections::{BTreeMap, VecDeque},
    fmt::Write as _,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use parking_lot::Mutex;

/// How many recent samples a [`Timer`] keeps for its percentiles.
const TIMER_WINDOW: usize = 1024;

/// A monotonically increasing count (rendered as a double, like Mesos's `Counter`).
#[derive(Clone, Default)]
pub struct Counter {
    value: Arc<AtomicU64>,
}

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `amount`.
    pub fn add(&self, amount: u64) {
        self.value.fetch_add(amount, Ordering::Relaxed);
    }

    /// The current count.
    pub fn value(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// A value set by its owner (Mesos's `PushGauge`).
#[derive(Clone, Default)]
pub struct Gauge {
    bits: Arc<AtomicU64>,
}

impl Gauge {
    /// Sets the value.
    pub fn set(&self, value: f64) {
        self.bits.store(value.to_bits(), Ordering::Relaxed);
    }

    /// The current value.
    pub fn value(&self) -> f64 {
        f64::from_bits(self.bits.load(Ordering::Relaxed))
    }
}

#[derive(Default)]
struct TimerSamples {
    last: Option<f64>,
    count: u64,
    window: VecDeque<f64>,
}

/// Records durations; renders the last value in milliseconds plus count, min, max and
/// percentiles over a window of recent samples (Mesos's `Timer<Milliseconds>`).
#[derive(Clone, Default)]
pub struct Timer {
    samples: Arc<Mutex<TimerSamples>>,
}

impl Timer {
    /// Records one duration.
    pub fn record(&self, duration: Duration) {
        let millis = duration.as_secs_f64() * 1000.0;
        let mut samples = self.samples.lock();
        samples.last = Some(millis);
        samples.count += 1;
        if samples.window.len() == TIMER_WINDOW {
            samples.window.pop_front();
        }
        samples.window.push_back(millis);
    }
}

type PullFn = Arc<dyn Fn() -> f64 + Send + Sync>;

#[derive(Clone)]
enum Metric {
    Counter(Counter),
    Gauge(Gauge),
    Pull(PullFn),
    Timer(Timer),
}

/// The metrics registry of one runtime; served at `/metrics/snapshot`.
///
/// Keys are flat strings by convention `component/name` (`master/tasks_running`).
/// Asking twice for the same key of the same kind returns the same metric.
///
/// ```
/// use libprocess::Runtime;
///
/// let runtime = Runtime::builder().build().unwrap();
/// let messages = runtime.metrics().counter("example/messages");
/// messages.inc();
/// assert!(runtime.metrics().snapshot_json().contains(r#""example\/messages":1.0"#));
/// ```
#[derive(Clone, Default)]
pub struct Metrics {
    registry: Arc<Mutex<BTreeMap<String, Metric>>>,
}

impl Metrics {
    /// The counter at `key` (created at zero).
    pub fn counter(&self, key: &str) -> Counter {
        let mut registry = self.registry.lock();
        if let Some(Metric::Counter(counter)) = registry.get(key) {
            return counter.clone();
        }
        let counter = Counter::default();
        registry.insert(key.to_owned(), Metric::Counter(counter.clone()));
        counter
    }

    /// The gauge at `key` (created at zero).
    pub fn gauge(&self, key: &str) -> Gauge {
        let mut registry = self.registry.lock();
        if let Some(Metric::Gauge(gauge)) = registry.get(key) {
            return gauge.clone();
        }
        let gauge = Gauge::default();
        registry.insert(key.to_owned(), Metric::Gauge(gauge.clone()));
        gauge
    }

    /// A gauge at `key` whose value `read` computes at snapshot time (Mesos's `PullGauge`).
    pub fn pull_gauge(&self, key: &str, read: impl Fn() -> f64 + Send + Sync + 'static) {
        self.registry
            .lock()
            .insert(key.to_owned(), Metric::Pull(Arc::new(read)));
    }

    /// The timer at `key`.
    pub fn timer(&self, key: &str) -> Timer {
        let mut registry = self.registry.lock();
        if let Some(Metric::Timer(timer)) = registry.get(key) {
            return timer.clone();
        }
        let timer = Timer::default();
        registry.insert(key.to_owned(), Metric::Timer(timer.clone()));
        timer
    }

    /// Removes the metric at `key`; `false` if there was none.
    pub fn remove(&self, key: &str) -> bool {
        self.registry.lock().remove(key).is_some()
    }

    /// Every value as `(key, value)`, timers expanded into their suffixed keys.
    pub fn snapshot(&self) -> Vec<(String, SnapshotValue)> {
        let metrics: Vec<(String, Metric)> = self
            .registry
            .lock()
            .iter()
            .map(|(k, m)| (k.clone(), m.clone()))
            .collect();
        let mut values = Vec::with_capacity(metrics.len());
        for (key, metric) in metrics {
            match metric {
                Metric::Counter(counter) => {
                    values.push((key, SnapshotValue::Float(counter.value() as f64)))
                }
                Metric::Gauge(gauge) => values.push((key, SnapshotValue::Float(gauge.value()))),
                Metric::Pull(read) => values.push((key, SnapshotValue::Float(read()))),
                Metric::Timer(timer) => expand_timer(&key, &timer, &mut values),
            }
        }
        values.sort_by(|a, b| a.0.cmp(&b.0));
        values
    }

    /// The `/metrics/snapshot` body: one flat JSON object, numbers rendered as Mesos does
    /// (doubles always with a decimal point, counts as integers, `/` escaped as `\/`).
    pub fn snapshot_json(&self) -> String {
        let mut out = String::from("{");
        for (index, (key, value)) in self.snapshot().into_iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            write_json_string(&mut out, &key);
            out.push(':');
            match value {
                SnapshotValue::Integer(n) => {
                    let _ = write!(out, "{n}");
                }
                SnapshotValue::Float(f) => write_json_double(&mut out, f),
            }
        }
        out.push('}');
        out
    }
}

/// One value of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SnapshotValue {
    /// A count (a timer's `/count`).
    Integer(u64),
    /// Every other value.
    Float(f64),
}

fn expand_timer(key: &str, timer: &Timer, values: &mut Vec<(String, SnapshotValue)>) {
    let samples = timer.samples.lock();
    let Some(last) = samples.last else { return };
    values.push((key.to_owned(), SnapshotValue::Float(last)));
    values.push((
        format!("{key}/count"),
        SnapshotValue::Integer(samples.count),
    ));
    let mut sorted: Vec<f64> = samples.window.iter().copied().collect();
    drop(samples);
    sorted.sort_by(f64::total_cmp);
    let (Some(min), Some(max)) = (sorted.first().copied(), sorted.last().copied()) else {
        return;
    };
    values.push((format!("{key}/min"), SnapshotValue::Float(min)));
    values.push((format!("{key}/max"), SnapshotValue::Float(max)));
    for (suffix, quantile) in [
        ("p50", 0.5),
        ("p90", 0.9),
        ("p95", 0.95),
        ("p99", 0.99),
        ("p999", 0.999),
        ("p9999", 0.9999),
    ] {
        values.push((
            format!("{key}/{suffix}"),
            SnapshotValue::Float(percentile(&sorted, quantile)),
        ));
    }
}

/// Linear interpolation between the closest ranks, as Mesos's `TimeSeries` statistics do.
fn percentile(sorted: &[f64], quantile: f64) -> f64 {
    if sorted.len() == 1 {
        return sorted[0];
    }
    let position = quantile * (sorted.len() - 1) as f64;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    let fraction = position - lower as f64;
    sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
}

fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Fifteen significant digits, trailing zeros trimmed, always a decimal point.
fn write_json_double(out: &mut String, value: f64) {
    if !value.is_finite() {
        // JSON has no NaN or infinity; Mesos would print invalid JSON, we print null.
        out.push_str("null");
        return;
    }
    let text = if value == 0.0 {
        "0.0".to_owned()
    } else {
        let magnitude = value.abs().log10().floor() as i32;
        if (-5..15).contains(&magnitude) {
            let decimals = (14 - magnitude).max(0) as usize;
            let mut text = format!("{value:.decimals$}");
            if text.contains('.') {
                let trimmed = text.trim_end_matches('0').len();
                text.truncate(trimmed);
            }
            if text.ends_with('.') || !text.contains('.') {
                if !text.ends_with('.') {
                    text.push('.');
                }
                text.push('0');
            }
            text
        } else {
            format!("{value:e}")
        }
    };
    out.push_str(&text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(value: f64) -> String {
        let mut out = String::new();
        write_json_double(&mut out, value);
        out
    }

    #[test]
    fn doubles_render_like_stout() {
        assert_eq!(double(0.0), "0.0");
        assert_eq!(double(1.0), "1.0");
        assert_eq!(double(0.5), "0.5");
        assert_eq!(double(24.89), "24.89");
        assert_eq!(double(100.0), "100.0");
    }

    #[test]
    fn timer_expands_into_percentiles() {
        let metrics = Metrics::default();
        let timer = metrics.timer("t");
        for millis in 1..=100 {
            timer.record(Duration::from_millis(millis));
        }
        let snapshot: BTreeMap<String, SnapshotValue> = metrics.snapshot().into_iter().collect();
        assert_eq!(snapshot["t"], SnapshotValue::Float(100.0));
        assert_eq!(snapshot["t/count"], SnapshotValue::Integer(100));
        assert_eq!(snapshot["t/min"], SnapshotValue::Float(1.0));
        assert_eq!(snapshot["t/max"], SnapshotValue::Float(100.0));
        assert_eq!(snapshot["t/p50"], SnapshotValue::Float(50.5));
        assert!(snapshot.contains_key("t/p9999"));
    }
}
