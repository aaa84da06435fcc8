//! The resolver against every way out of a sandbox: `..`, encoded dots (which the HTTP layer
//! has decoded once by now, so they are literal names), absolute paths, a sibling whose name
//! starts with the sandbox's, symlinks out (relative, absolute, through a directory), NUL
//! bytes and over-long paths; plus symlinks swapped in after the check, and FIFOs.

use std::{fs, os::unix::fs::symlink, path::PathBuf};

use super::*;
use crate::files::{
    FilesError, browse, mode_string,
    ops::{locate, read},
    table::{Attached, NAME_MAX, VirtualPaths},
};

struct Fixture {
    _base: tempfile::TempDir,
    sandbox: PathBuf,
    outside: PathBuf,
    paths: VirtualPaths,
}

const CANARY: &[u8] = b"canary: must never be read";

fn fixture() -> Fixture {
    let base = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(base.path()).unwrap();
    let sandbox = root.join("sandbox");
    let outside = root.join("canary");
    fs::create_dir_all(sandbox.join("dir")).unwrap();
    fs::write(sandbox.join("stdout"), b"hello").unwrap();
    fs::write(sandbox.join("dir/inner.txt"), b"inner").unwrap();
    fs::write(&outside, CANARY).unwrap();
    fs::create_dir_all(root.join("sandbox-evil")).unwrap();
    fs::write(root.join("sandbox-evil/secret"), CANARY).unwrap();
    symlink("stdout", sandbox.join("inside")).unwrap();
    symlink(sandbox.join("stdout"), sandbox.join("absolute_inside")).unwrap();
    symlink("../canary", sandbox.join("escape")).unwrap();
    symlink(&outside, sandbox.join("absolute_escape")).unwrap();
    symlink("..", sandbox.join("up")).unwrap();
    symlink("/etc", sandbox.join("etc")).unwrap();
    let mut paths = VirtualPaths::new();
    let attached = Attached {
        real: sandbox.clone(),
        is_directory: true,
    };
    paths.attach("/virtual", attached.clone());
    paths.attach(&sandbox.display().to_string(), attached);
    Fixture {
        _base: base,
        sandbox,
        outside,
        paths,
    }
}

fn read_all(paths: &VirtualPaths, path: &str) -> Result<Vec<u8>, FilesError> {
    read(paths, path, 0, None).map(|chunk| chunk.data)
}

fn assert_invalid(result: Result<Vec<u8>, FilesError>, what: &str) {
    match result {
        Err(FilesError::Invalid(_)) => {}
        other => panic!("{what}: expected a 400 refusal, got {other:?}"),
    }
}

fn assert_not_found(result: Result<Vec<u8>, FilesError>, what: &str) {
    match result {
        Err(FilesError::NotFound(_)) => {}
        other => panic!("{what}: expected a 404, got {other:?}"),
    }
}

#[test]
fn files_inside_read_through_every_attached_name() {
    let fixture = fixture();
    let real = fixture.sandbox.display().to_string();
    assert_eq!(
        read_all(&fixture.paths, "/virtual/stdout").unwrap(),
        b"hello"
    );
    assert_eq!(
        read_all(&fixture.paths, &format!("{real}/stdout")).unwrap(),
        b"hello"
    );
    assert_eq!(
        read_all(&fixture.paths, "/virtual/dir/inner.txt").unwrap(),
        b"inner"
    );
    assert_eq!(
        read_all(&fixture.paths, "/virtual/dir/../stdout").unwrap(),
        b"hello"
    );
    assert_eq!(
        read_all(&fixture.paths, "/virtual/./dir//inner.txt/").unwrap(),
        b"inner"
    );
}

#[test]
fn dot_dot_out_of_the_sandbox_is_refused() {
    let fixture = fixture();
    let real = fixture.sandbox.display().to_string();
    assert_invalid(read_all(&fixture.paths, "/virtual/../canary"), "..");
    assert_invalid(
        read_all(&fixture.paths, "/virtual/dir/../../canary"),
        "dir/../..",
    );
    assert_invalid(
        read_all(&fixture.paths, &format!("{real}/../canary")),
        "real/..",
    );
    assert_invalid(
        read_all(&fixture.paths, &format!("{real}/../sandbox-evil/secret")),
        "into the sibling",
    );
    // Listing the parent is refused too.
    assert!(matches!(
        browse(&fixture.paths, "/virtual/.."),
        Err(FilesError::Invalid(_))
    ));
}

#[test]
fn encoded_dots_are_literal_names_here() {
    // The HTTP layer decodes a query once: `%2e%2e` arrives as `..` (above), and the
    // double-encoded `%252e%252e` arrives as the literal name `%2e%2e`, which is not there.
    let fixture = fixture();
    assert_not_found(read_all(&fixture.paths, "/virtual/%2e%2e/canary"), "%2e%2e");
    assert_not_found(read_all(&fixture.paths, "/virtual/..%2fcanary"), "..%2f");
}

#[test]
fn absolute_paths_outside_every_attachment_are_not_found() {
    let fixture = fixture();
    assert_not_found(read_all(&fixture.paths, "/etc/passwd"), "/etc/passwd");
    assert_not_found(
        read_all(&fixture.paths, &fixture.outside.display().to_string()),
        "the canary",
    );
    let sibling = format!("{}-evil/secret", fixture.sandbox.display());
    assert_not_found(
        read_all(&fixture.paths, &sibling),
        "a sibling sharing the prefix",
    );
    assert_not_found(read_all(&fixture.paths, "virtual/stdout"), "relative");
}

#[test]
fn symlinks_out_are_refused_and_symlinks_within_work() {
    let fixture = fixture();
    assert_eq!(
        read_all(&fixture.paths, "/virtual/inside").unwrap(),
        b"hello"
    );
    assert_eq!(
        read_all(&fixture.paths, "/virtual/absolute_inside").unwrap(),
        b"hello"
    );
    assert_invalid(
        read_all(&fixture.paths, "/virtual/escape"),
        "relative link out",
    );
    assert_invalid(
        read_all(&fixture.paths, "/virtual/absolute_escape"),
        "absolute link out",
    );
    assert_invalid(
        read_all(&fixture.paths, "/virtual/up/canary"),
        "directory link out",
    );
    assert_invalid(
        read_all(&fixture.paths, "/virtual/etc/passwd"),
        "link to /etc",
    );
    assert!(matches!(
        browse(&fixture.paths, "/virtual/etc"),
        Err(FilesError::Invalid(_))
    ));
}

#[test]
fn nul_bytes_and_over_long_paths_are_refused_before_any_lookup() {
    let fixture = fixture();
    assert_invalid(read_all(&fixture.paths, "/virtual/std\0out"), "NUL");
    let long_name = format!("/virtual/{}", "x".repeat(NAME_MAX + 1));
    assert_invalid(read_all(&fixture.paths, &long_name), "long component");
    let long_path = format!("/virtual/{}", "d/".repeat(3000));
    assert_invalid(read_all(&fixture.paths, &long_path), "long path");
}

#[test]
fn a_symlink_swapped_in_after_the_check_is_refused_at_open() {
    let fixture = fixture();
    // As if `up` had been a directory when the path was canonicalised and became a link
    // to the parent before the open.
    for opened in [
        fixture.sandbox.join("up/canary"),
        fixture.sandbox.join("escape"),
    ] {
        let resolved = Resolved {
            root: fixture.sandbox.clone(),
            root_is_directory: true,
            canonical: opened.clone(),
        };
        match open(&resolved, "swapped", OpenFor::Reading) {
            Err(FilesError::Invalid(_)) => {}
            other => panic!("{}: expected a refusal, got {other:?}", opened.display()),
        }
        match open_and_verify(&resolved, "swapped", OpenFor::Reading.flags()) {
            Err(FilesError::Invalid(_)) => {}
            other => panic!(
                "fallback {}: expected a refusal, got {other:?}",
                opened.display()
            ),
        }
    }
}

#[test]
fn the_fallback_open_accepts_what_is_inside() {
    let fixture = fixture();
    let resolved = locate(&fixture.paths, "/virtual/dir/inner.txt").unwrap();
    let file = open_and_verify(&resolved, "inner", OpenFor::Reading.flags()).unwrap();
    assert_eq!(file.metadata().unwrap().len(), 5);
}

#[test]
fn fifos_and_directories_are_not_read_and_nothing_hangs() {
    let fixture = fixture();
    nix::unistd::mkfifo(
        &fixture.sandbox.join("pipe"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    assert_invalid(read_all(&fixture.paths, "/virtual/pipe"), "a FIFO");
    assert_invalid(read_all(&fixture.paths, "/virtual/dir"), "a directory");
    let listing = browse(&fixture.paths, "/virtual").unwrap();
    let pipe = listing
        .iter()
        .find(|info| info.path == "/virtual/pipe")
        .unwrap();
    assert_eq!(mode_string(pipe.mode).chars().next(), Some('p'));
}

#[test]
fn listings_show_links_out_as_links_and_links_within_as_their_targets() {
    let fixture = fixture();
    let listing = browse(&fixture.paths, "/virtual/").unwrap();
    let names: Vec<&str> = listing.iter().map(|info| info.path.as_str()).collect();
    assert_eq!(
        names,
        [
            "/virtual/absolute_escape",
            "/virtual/absolute_inside",
            "/virtual/dir",
            "/virtual/escape",
            "/virtual/etc",
            "/virtual/inside",
            "/virtual/stdout",
            "/virtual/up",
        ]
    );
    let mode = |name: &str| {
        let info = listing
            .iter()
            .find(|info| info.path == format!("/virtual/{name}"))
            .unwrap();
        (mode_string(info.mode).chars().next().unwrap(), info.size)
    };
    assert_eq!(mode("inside"), ('-', 5));
    assert_eq!(mode("absolute_inside"), ('-', 5));
    assert_eq!(mode("dir").0, 'd');
    assert_eq!(mode("escape").0, 'l', "the canary's size must not show");
    assert_ne!(mode("escape").1, CANARY.len() as u64);
    assert_eq!(mode("absolute_escape").0, 'l');
    assert_eq!(mode("up").0, 'l');
    assert_eq!(mode("etc").0, 'l');
}

#[test]
fn reads_honour_offset_and_length_and_cap_at_sixteen_pages() {
    let fixture = fixture();
    let chunk = read(&fixture.paths, "/virtual/stdout", 1, Some(3)).unwrap();
    assert_eq!((chunk.size, chunk.data.as_slice()), (5, b"ell".as_slice()));
    let past = read(&fixture.paths, "/virtual/stdout", 9, None).unwrap();
    assert_eq!((past.size, past.data.len()), (5, 0));
    let big = vec![b'x'; 200_000];
    fs::write(fixture.sandbox.join("big"), &big).unwrap();
    let capped = read(&fixture.paths, "/virtual/big", 0, None).unwrap();
    assert_eq!(capped.data.len() as u64, crate::files::max_read_length());
    assert_eq!(capped.size, 200_000);
}

#[test]
fn an_attached_file_is_served_itself_and_nothing_below_it() {
    let fixture = fixture();
    let mut paths = VirtualPaths::new();
    paths.attach(
        "/agent/log",
        Attached {
            real: fixture.sandbox.join("stdout"),
            is_directory: false,
        },
    );
    assert_eq!(read_all(&paths, "/agent/log").unwrap(), b"hello");
    assert_not_found(read_all(&paths, "/agent/log/x"), "below a file");
    assert!(browse(&paths, "/agent/log").unwrap().is_empty());
}

mod properties {
    use proptest::{
        prelude::*,
        test_runner::{Config, TestRunner},
    };

    use crate::files::fuzzing::PathFixture;

    fn component() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("..".to_owned()),
            Just(".".to_owned()),
            Just(String::new()),
            Just("dir".to_owned()),
            Just("inner".to_owned()),
            Just("stdout".to_owned()),
            Just("in".to_owned()),
            Just("out".to_owned()),
            Just("up".to_owned()),
            Just("root".to_owned()),
            Just("canary".to_owned()),
            Just("sandbox".to_owned()),
            Just("sandbox-evil".to_owned()),
            Just("etc".to_owned()),
            Just("%2e%2e".to_owned()),
            "[a-z.%/\\\\\\x00]{0,6}",
        ]
    }

    /// One fixture for every case (making one per case is slow on some filesystems).
    fn run<S: Strategy>(strategy: S, check: impl Fn(&PathFixture, S::Value)) {
        let base = tempfile::tempdir().unwrap();
        let fixture = PathFixture::create(base.path()).unwrap();
        TestRunner::new(Config::with_cases(512))
            .run(&strategy, |value| {
                check(&fixture, value);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn no_path_leaves_the_sandbox() {
        let prefixes = prop_oneof![Just("/virtual"), Just("REAL"), Just("/"), Just("")];
        let components = proptest::collection::vec(component(), 0..8);
        run((prefixes, components), |fixture, (prefix, components)| {
            let prefix = if prefix == "REAL" {
                fixture.sandbox.display().to_string()
            } else {
                prefix.to_owned()
            };
            fixture.check(&format!("{prefix}/{}", components.join("/")));
        });
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        run(
            proptest::collection::vec(any::<u8>(), 0..300),
            |fixture, data| {
                fixture.check(&String::from_utf8_lossy(&data));
            },
        );
    }
}
