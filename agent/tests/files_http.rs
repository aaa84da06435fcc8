//! The `/files/*` endpoints over HTTP: Mesos's JSON shapes and status codes for browse, read
//! (offset, length, `offset=-1`), download and debug, detaching, and every way out of a
//! sandbox sent as raw requests on a real socket (so the query is decoded exactly once, by
//! the server): each is refused with 400 or 404 and the canary outside is never in a body.

use std::{
    io::{Read, Write},
    net::TcpStream,
    os::unix::fs::symlink,
    path::{Path, PathBuf},
    time::Duration,
};

use agent::files::{Attach, Detach, FilesProcess};
use libprocess::{Pid, Request, Response, Runtime, http::Body};
use serde_json::{Value, json};

const CANARY: &str = "CANARY-outside-the-sandbox";
const DEADLINE: Duration = Duration::from_secs(30);

struct Fixture {
    runtime: Runtime,
    files: Pid<FilesProcess>,
    sandbox: PathBuf,
    _base: tempfile::TempDir,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.runtime.shutdown();
    }
}

fn fixture() -> Fixture {
    let base = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(base.path()).unwrap();
    let sandbox = root.join("sandbox");
    std::fs::create_dir_all(sandbox.join("dir")).unwrap();
    std::fs::write(sandbox.join("stdout"), "hello sandbox\n").unwrap();
    std::fs::write(sandbox.join("dir/data.json"), "{}").unwrap();
    std::fs::write(root.join("canary"), CANARY).unwrap();
    std::fs::create_dir_all(root.join("sandbox-evil")).unwrap();
    std::fs::write(root.join("sandbox-evil/stdout"), CANARY).unwrap();
    symlink("../canary", sandbox.join("escape")).unwrap();
    symlink("..", sandbox.join("up")).unwrap();
    symlink(root.join("canary"), sandbox.join("absolute")).unwrap();

    let runtime = Runtime::builder().workers(2).build().unwrap();
    let files = FilesProcess::spawn(&runtime).unwrap();
    assert_eq!(files.upid().id(), "files");
    for virtual_path in [
        "/frameworks/F/executors/E/runs/latest".to_owned(),
        sandbox.display().to_string(),
    ] {
        files
            .call(Attach {
                path: sandbox.clone(),
                virtual_path,
            })
            .block()
            .unwrap()
            .unwrap();
    }
    Fixture {
        runtime,
        files,
        sandbox,
        _base: base,
    }
}

const LATEST: &str = "/frameworks/F/executors/E/runs/latest";

impl Fixture {
    fn get(&self, target: &str) -> Response {
        match self
            .runtime
            .http(Request::get(target))
            .block_timeout(DEADLINE)
        {
            Ok(Ok(response)) => response,
            other => panic!("no answer to {target}: {other:?}"),
        }
    }

    fn json(&self, target: &str) -> Value {
        let response = self.get(target);
        assert_eq!(response.status, 200, "{target}: {}", text(&response));
        serde_json::from_slice(response.full_body().unwrap()).unwrap()
    }

    /// A raw GET on a real socket; the status and the whole body.
    fn raw(&self, target: &str) -> (u16, Vec<u8>) {
        let mut stream = TcpStream::connect(self.runtime.address()).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let text = String::from_utf8_lossy(&answer);
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("{target}: not an HTTP answer: {text}"));
        (status, answer)
    }
}

fn text(response: &Response) -> String {
    String::from_utf8_lossy(response.full_body().map_or(&[][..], |b| b.as_ref())).into_owned()
}

fn encode(path: &Path) -> String {
    path.display().to_string().replace('/', "%2F")
}

#[test]
fn browse_lists_entries_in_mesos_shape() {
    let fixture = fixture();
    let listing = fixture.json(&format!("/files/browse?path={LATEST}"));
    let entries = listing.as_array().unwrap();
    let paths: Vec<&str> = entries
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            format!("{LATEST}/absolute"),
            format!("{LATEST}/dir"),
            format!("{LATEST}/escape"),
            format!("{LATEST}/stdout"),
            format!("{LATEST}/up"),
        ]
    );
    let stdout = &entries[3];
    let mut keys: Vec<&str> = stdout
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["gid", "mode", "mtime", "nlink", "path", "size", "uid"]
    );
    assert_eq!(stdout["size"], 14);
    assert_eq!(stdout["nlink"], 1);
    assert!(stdout["mtime"].as_i64().unwrap() > 1_600_000_000);
    assert!(stdout["mode"].as_str().unwrap().starts_with("-rw"));
    assert!(entries[1]["mode"].as_str().unwrap().starts_with('d'));
    assert_eq!(
        entries[2]["mode"].as_str().unwrap().chars().next(),
        Some('l')
    );

    let real = fixture.json(&format!("/files/browse?path={}", encode(&fixture.sandbox)));
    assert_eq!(real.as_array().unwrap().len(), 5);

    let wrapped = fixture.get(&format!("/files/browse?path={LATEST}/dir&jsonp=show"));
    assert!(text(&wrapped).starts_with("show([{"), "{}", text(&wrapped));
    assert_eq!(wrapped.headers.get("Content-Type"), Some("text/javascript"));

    assert_eq!(fixture.get("/files/browse").status, 400);
    assert_eq!(fixture.get("/files/browse?path=").status, 400);
    assert_eq!(fixture.get("/files/browse?path=/nothing/here").status, 404);
}

#[test]
fn read_answers_offset_and_data_as_mesos() {
    let fixture = fixture();
    let path = format!("{LATEST}/stdout");
    assert_eq!(
        fixture.json(&format!("/files/read?path={path}&offset=0")),
        json!({"offset": 0, "data": "hello sandbox\n"})
    );
    assert_eq!(
        fixture.json(&format!("/files/read?path={path}&offset=6&length=3")),
        json!({"offset": 6, "data": "san"})
    );
    // offset=-1, or no offset at all: the size, and no data.
    for query in ["&offset=-1", "", "&offset=-1&length=5"] {
        assert_eq!(
            fixture.json(&format!("/files/read?path={path}{query}")),
            json!({"offset": 14, "data": ""}),
            "{query}"
        );
    }
    assert_eq!(
        fixture.json(&format!("/files/read?path={path}&offset=100")),
        json!({"offset": 100, "data": ""})
    );
    assert_eq!(
        fixture.json(&format!("/files/read?path={path}&offset=12&length=-1")),
        json!({"offset": 12, "data": "x\n"})
    );
    let wrapped = fixture.get(&format!(
        "/files/read?path={path}&offset=0&length=5&jsonp=cb"
    ));
    assert_eq!(text(&wrapped), r#"cb({"data":"hello","offset":0});"#);

    for (query, status) in [
        (format!("path={path}&offset=abc"), 400),
        (format!("path={path}&offset=-2"), 400),
        (format!("path={path}&length=-7"), 400),
        (format!("path={path}&length=1.5"), 400),
        ("offset=0".to_owned(), 400),
        (format!("path={LATEST}/dir&offset=0"), 400),
        (format!("path={LATEST}/missing&offset=0"), 404),
    ] {
        let response = fixture.get(&format!("/files/read?{query}"));
        assert_eq!(response.status, status, "{query}: {}", text(&response));
    }
    assert_eq!(
        text(&fixture.get(&format!("/files/read?path={LATEST}/dir&offset=0"))),
        "Cannot read a directory.\n"
    );
    assert_eq!(
        text(&fixture.get(&format!("/files/read?path={path}&offset=-2"))),
        "Negative offset provided: -2.\n"
    );
}

#[test]
fn read_returns_at_most_sixteen_pages() {
    let fixture = fixture();
    std::fs::write(fixture.sandbox.join("big"), "y".repeat(300_000)).unwrap();
    let chunk = fixture.json(&format!("/files/read?path={LATEST}/big&offset=10"));
    assert_eq!(chunk["offset"], 10);
    assert_eq!(
        chunk["data"].as_str().unwrap().len() as u64,
        agent::files::max_read_length()
    );
}

#[test]
fn download_sends_the_bytes_with_a_file_name() {
    let fixture = fixture();
    let response = fixture.get(&format!("/files/download?path={LATEST}/stdout"));
    assert_eq!(response.status, 200);
    assert_eq!(text(&response), "hello sandbox\n");
    assert_eq!(
        response.headers.get("Content-Type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        response.headers.get("Content-Disposition"),
        Some("attachment; filename=stdout")
    );
    let json = fixture.get(&format!("/files/download?path={LATEST}/dir/data.json"));
    assert_eq!(json.headers.get("Content-Type"), Some("application/json"));

    assert_eq!(
        fixture
            .get(&format!("/files/download?path={LATEST}/dir"))
            .status,
        400
    );
    assert_eq!(
        fixture
            .get(&format!("/files/download?path={LATEST}/nope"))
            .status,
        404
    );
    assert_eq!(fixture.get("/files/download").status, 400);
}

#[test]
fn large_downloads_stream_every_byte() {
    let fixture = fixture();
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(fixture.sandbox.join("large"), &content).unwrap();
    // Over a real socket, as a browser would.
    let (status, answer) = fixture.raw(&format!("/files/download?path={LATEST}/large"));
    assert_eq!(status, 200);
    let head_end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&answer[..head_end]).to_ascii_lowercase();
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    let body = dechunk(&answer[head_end..]);
    assert_eq!(body.len(), content.len());
    assert!(body == content);

    // In process too: the stream ends after the last byte.
    let response = fixture.get(&format!("/files/download?path={LATEST}/large"));
    let Body::Stream(mut reader) = response.body else {
        panic!("a large download streams");
    };
    let mut received = 0;
    while let Ok(Some(chunk)) = reader.block_next_timeout(DEADLINE) {
        received += chunk.len();
    }
    assert_eq!(received, content.len());
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap(), 16).unwrap();
        body = &body[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

#[test]
fn debug_maps_virtual_paths_to_real_ones_and_detach_forgets_them() {
    let fixture = fixture();
    let real = fixture.sandbox.display().to_string();
    assert_eq!(
        fixture.json("/files/debug"),
        json!({ LATEST: real.clone(), real.clone(): real.clone() })
    );
    assert!(
        fixture
            .files
            .call(Detach {
                virtual_path: LATEST.to_owned()
            })
            .block()
            .unwrap()
    );
    assert_eq!(fixture.json("/files/debug"), json!({ real.clone(): real }));
    assert_eq!(
        fixture
            .get(&format!("/files/read?path={LATEST}/stdout&offset=0"))
            .status,
        404
    );
    assert_eq!(
        fixture.get(&format!("/files/browse?path={LATEST}")).status,
        404
    );
}

#[test]
fn attaching_a_missing_path_fails_and_attaches_nothing() {
    let fixture = fixture();
    let error = fixture
        .files
        .call(Attach {
            path: fixture.sandbox.join("not-there"),
            virtual_path: "/nowhere".into(),
        })
        .block()
        .unwrap()
        .unwrap_err();
    assert!(error.to_string().contains("not-there"), "{error}");
    assert_eq!(fixture.get("/files/browse?path=/nowhere").status, 404);
}

#[test]
fn every_way_out_of_the_sandbox_is_refused_over_http() {
    let fixture = fixture();
    let real = fixture.sandbox.display().to_string();
    let long = format!("{LATEST}/{}", "a/".repeat(2100));
    let attempts = [
        format!("{LATEST}/../canary"),
        format!("{LATEST}/%2e%2e/canary"),
        format!("{LATEST}/%2E%2E/canary"),
        format!("{LATEST}/.%2e/canary"),
        format!("{LATEST}/%252e%252e/canary"),
        format!("{LATEST}/%2e%2e%2fcanary"),
        format!("{LATEST}%2F..%2Fcanary"),
        format!("{LATEST}/dir/../../canary"),
        format!("{real}/../canary"),
        format!("{real}/..%2Fsandbox-evil%2Fstdout"),
        format!("{real}-evil/stdout"),
        format!(
            "{}",
            fixture.sandbox.parent().unwrap().join("canary").display()
        ),
        "/etc/passwd".to_owned(),
        "%2Fetc%2Fpasswd".to_owned(),
        "file:///etc/passwd".to_owned(),
        format!("{LATEST}/escape"),
        format!("{LATEST}/absolute"),
        format!("{LATEST}/up/canary"),
        format!("{LATEST}/up/sandbox-evil/stdout"),
        format!("{LATEST}/stdout%00"),
        format!("{LATEST}/%00/../../canary"),
        format!("{LATEST}/{}", "x".repeat(300)),
        long,
    ];
    for attempt in &attempts {
        for endpoint in ["read", "browse", "download"] {
            let target = format!("/files/{endpoint}?path={attempt}&offset=0");
            let (status, body) = fixture.raw(&target);
            assert!(
                status == 400 || status == 404,
                "{endpoint} {attempt}: answered {status}"
            );
            let body = String::from_utf8_lossy(&body);
            assert!(
                !body.contains(CANARY),
                "{endpoint} {attempt} leaked the canary"
            );
            assert!(
                !body.contains("root:"),
                "{endpoint} {attempt} leaked /etc/passwd"
            );
        }
    }
    // The sandbox itself still reads.
    let (status, body) = fixture.raw(&format!("/files/read?path={LATEST}/stdout&offset=0"));
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("hello sandbox"));
}
