//! Tests of the agent's flags: Mesos's names and defaults, environment variables, and errors
//! that name the flag.

use std::time::Duration;

use resources::Resources;

use super::*;

fn parse(args: &[&str], vars: &[(&str, &str)]) -> Result<AgentFlags, clap::Error> {
    let args = std::iter::once("mesos-agent").chain(args.iter().copied());
    common::flags::try_parse_from(args, vars.iter().copied(), "MESOS_")
}

fn machine(_: &std::path::Path) -> Machine {
    Machine {
        cpus: Some(4),
        memory_bytes: Some(8 << 30),
        disk_bytes: Some(20 << 30),
    }
}

fn options(args: &[&str]) -> Result<AgentOptions, FlagError> {
    parse(args, &[])
        .expect("flags parse")
        .to_options(machine, Some("/usr/libexec/mesos".into()))
}

#[test]
fn defaults_are_mesoss() {
    let flags = parse(&[], &[]).unwrap();
    assert_eq!(flags.port, 5051);
    assert_eq!(flags.registration_backoff_factor.0, Duration::from_secs(1));
    assert_eq!(
        flags.executor_registration_timeout.0,
        Duration::from_secs(60)
    );
    assert_eq!(
        flags.executor_shutdown_grace_period.0,
        Duration::from_secs(5)
    );
    assert_eq!(flags.http_heartbeat_interval.0, Duration::from_secs(30));
    assert_eq!(flags.gc_delay.0, Duration::from_secs(7 * 86_400));
    assert_eq!(flags.isolation, "posix/cpu,posix/mem");
    assert_eq!(flags.launcher, "posix");
    assert_eq!(flags.containerizers, "mesos");
    assert!(flags.strict);
    assert_eq!(flags.recover, "reconnect");
}

#[test]
fn options_detect_resources_and_read_the_environment() {
    let flags = parse(
        &[
            "--work_dir=/w",
            "--resources=cpus:2;ports:[1-10]",
            "--hostname=agent1",
        ],
        &[
            ("MESOS_MASTER", "127.0.0.1:5050"),
            ("MESOS_ATTRIBUTES", "rack:a"),
        ],
    )
    .unwrap();
    let options = flags
        .to_options(machine, Some("/usr/libexec/mesos".into()))
        .unwrap();
    assert_eq!(
        options.resources,
        Resources::parse_unreserved("cpus:2;ports:[1-10];mem:7168;disk:15360").unwrap()
    );
    assert_eq!(options.hostname, "agent1");
    assert_eq!(options.attributes.len(), 1);
    assert_eq!(options.launcher_dir, PathBuf::from("/usr/libexec/mesos"));
    assert_eq!(options.flags["master"], "127.0.0.1:5050");
    assert_eq!(options.flags["registration_backoff_factor"], "1secs");
    assert_eq!(options.flags["executor_registration_timeout"], "1mins");
}

#[test]
fn required_flags_are_named_when_missing() {
    let error = options(&["--work_dir=/w"]).unwrap_err();
    assert_eq!(error.flag, "master");
    let error = options(&["--master=127.0.0.1:5050"]).unwrap_err();
    assert_eq!(error.flag, "work_dir");
    assert!(error.to_string().contains("--work_dir"), "{error}");
}

#[test]
fn unsupported_values_are_refused_with_the_flag_named() {
    let base = ["--master=127.0.0.1:5050", "--work_dir=/w"];
    let cases: &[(&str, &str)] = &[
        ("--isolation=cgroups/cpu", "isolation"),
        ("--isolation=posix/cpu,network/cni", "isolation"),
        ("--launcher=linux", "launcher"),
        ("--containerizers=docker,mesos", "containerizers"),
        ("--resources=cpus:x", "resources"),
        ("--resources=file:///no/such/resources", "resources"),
        ("--attributes=rack", "attributes"),
        ("--default_role=a//b", "default_role"),
        (
            "--executor_environment_variables=[1]",
            "executor_environment_variables",
        ),
        (
            "--executor_environment_variables={\"A\":1}",
            "executor_environment_variables",
        ),
        ("--recover=maybe", "recover"),
        ("--logging_level=DEBUG", "logging_level"),
        ("--http_heartbeat_interval=0secs", "http_heartbeat_interval"),
    ];
    for (flag, name) in cases {
        let mut args = base.to_vec();
        args.push(flag);
        let error = options(&args).unwrap_err();
        assert_eq!(error.flag, *name, "{flag}: {error}");
        assert!(error.to_string().contains(name), "{error}");
    }
    for accepted in [
        "--isolation=process",
        "--isolation=filesystem/posix,posix/cpu,posix/mem",
    ] {
        let mut args = base.to_vec();
        args.push(accepted);
        options(&args).unwrap();
    }
}

#[test]
fn syntax_errors_name_the_flag() {
    let error = parse(&["--registration_backoff_factor=5"], &[])
        .unwrap_err()
        .to_string();
    assert!(error.contains("--registration_backoff_factor"), "{error}");
    let error = parse(&["--port=x"], &[]).unwrap_err().to_string();
    assert!(error.contains("--port"), "{error}");
}

#[test]
fn executor_environment_variables_are_a_json_object_of_strings() {
    let options = options(&[
        "--master=127.0.0.1:5050",
        "--work_dir=/w",
        r#"--executor_environment_variables={"PATH":"/bin","LANG":"C"}"#,
    ])
    .unwrap();
    assert_eq!(options.executor_environment_variables["PATH"], "/bin");
    assert_eq!(options.executor_environment_variables.len(), 2);
}

#[test]
fn garbage_collection_flags_have_mesos_defaults_and_checks() {
    let defaults = options(&["--master=m:5050", "--work_dir=/w"]).unwrap();
    assert_eq!(defaults.gc_delay, Duration::from_secs(7 * 24 * 3600));
    assert_eq!(defaults.gc_disk_headroom, 0.1);
    assert_eq!(defaults.disk_watch_interval, Duration::from_secs(60));
    assert_eq!(defaults.flags["gc_disk_headroom"], "0.1");
    assert_eq!(defaults.flags["disk_watch_interval"], "1mins");

    let set = options(&[
        "--master=m:5050",
        "--work_dir=/w",
        "--gc_delay=2hrs",
        "--gc_disk_headroom=0.25",
        "--disk_watch_interval=10secs",
    ])
    .unwrap();
    assert_eq!(set.gc_delay, Duration::from_secs(7200));
    assert_eq!(set.gc_disk_headroom, 0.25);
    assert_eq!(set.disk_watch_interval, Duration::from_secs(10));

    for bad in [
        "--gc_disk_headroom=1.5",
        "--gc_disk_headroom=-0.1",
        "--gc_disk_headroom=NaN",
    ] {
        let error = options(&["--master=m:5050", "--work_dir=/w", bad]).unwrap_err();
        assert_eq!(error.flag, "gc_disk_headroom", "{bad}");
    }
    let error = options(&[
        "--master=m:5050",
        "--work_dir=/w",
        "--disk_watch_interval=0secs",
    ])
    .unwrap_err();
    assert_eq!(error.flag, "disk_watch_interval");
}
