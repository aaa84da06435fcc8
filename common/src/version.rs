//! The Mesos version we speak and the `/version` endpoint every binary serves.
//!
//! Clients parse the version as dotted integers (pymesos calls `int()` on each part and
//! enables features by it), so it is the Mesos release whose APIs we implement, digits and
//! dots only; our own build is described in the other fields.

use libprocess::{Context, Process, Response, http::Request};

/// The Mesos release whose wire protocol and APIs this build implements.
pub const MESOS_VERSION: &str = "1.11.0";

/// This build's own version (the workspace's).
pub const BUILD_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The body of `/version`: `{"version":"1.11.0","build_date":...,"build_time":...,"build_user":...}`
/// (Mesos's fields; `git_sha` and friends are omitted as Mesos omits them when unknown).
pub fn version_json() -> String {
    serde_json::json!({
        "version": MESOS_VERSION,
        "build_date": "",
        "build_time": 0,
        "build_user": "",
        "build_version": BUILD_VERSION,
    })
    .to_string()
}

/// The `version` process: serves `/version` in every binary, as Mesos's does.
#[derive(Debug, Default)]
pub struct VersionProcess;

impl VersionProcess {
    /// The process id, which makes its route `/version`.
    pub const ID: &'static str = "version";
}

impl Process for VersionProcess {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        ctx.route("/", |_: &mut Self, _: &mut Context<Self>, _: Request| {
            Response::json(version_json())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libprocess::Runtime;

    #[test]
    fn serves_a_numeric_version() {
        let runtime = Runtime::builder().build().unwrap();
        runtime.spawn(VersionProcess::ID, VersionProcess).unwrap();
        for path in ["/version", "/version/"] {
            let response = runtime.http(Request::get(path)).block().unwrap();
            assert_eq!(response.status, 200, "{path}");
            let body: serde_json::Value =
                serde_json::from_slice(response.full_body().unwrap()).unwrap();
            let version = body["version"].as_str().unwrap();
            assert!(
                version.split('.').all(|part| part.parse::<u32>().is_ok()),
                "{version}"
            );
        }
        runtime.shutdown();
    }
}
