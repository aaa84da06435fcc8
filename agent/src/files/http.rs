//! The `/files/*` endpoints (on the `files` process), with Mesos's parameters, JSON and
//! status codes: `browse?path=`, `read?path=&offset=&length=`, `download?path=`, `debug`;
//! `jsonp=` wraps the JSON ones.

use std::{io::Read as _, os::unix::fs::FileExt};

use libprocess::{Context, Headers, Request, Response};
use serde_json::{Value, json};

use super::{
    FilesError, FilesProcess,
    ops::{browse, open_download, read},
};

/// Files up to this size are downloaded in one body (with `Content-Length`); larger ones are
/// streamed in [`DOWNLOAD_CHUNK`]-byte chunks from a thread.
const WHOLE_DOWNLOAD_LIMIT: u64 = 1 << 20;
const DOWNLOAD_CHUNK: usize = 1 << 16;

pub(super) fn install_routes(ctx: &mut Context<FilesProcess>) {
    ctx.route(
        "/browse",
        |files: &mut FilesProcess, _: &mut Context<FilesProcess>, request: Request| {
            browse_endpoint(files, &request)
        },
    );
    ctx.route(
        "/read",
        |files: &mut FilesProcess, _: &mut Context<FilesProcess>, request: Request| {
            read_endpoint(files, &request)
        },
    );
    ctx.route(
        "/download",
        |files: &mut FilesProcess, _: &mut Context<FilesProcess>, request: Request| {
            download_endpoint(files, &request)
        },
    );
    ctx.route(
        "/debug",
        |files: &mut FilesProcess, _: &mut Context<FilesProcess>, request: Request| {
            let object: serde_json::Map<String, Value> = files
                .paths()
                .iter()
                .map(|(virtual_path, attached)| {
                    (
                        virtual_path.to_owned(),
                        Value::from(attached.real.display().to_string()),
                    )
                })
                .collect();
            json_reply(&request, &Value::Object(object))
        },
    );
}

fn browse_endpoint(files: &FilesProcess, request: &Request) -> Response {
    let path = match required_path(request) {
        Ok(path) => path,
        Err(response) => return response,
    };
    match browse(files.paths(), path) {
        Ok(listing) => json_reply(
            request,
            &Value::Array(listing.iter().map(|info| info.to_json()).collect()),
        ),
        Err(error) => error_response(&error),
    }
}

fn read_endpoint(files: &FilesProcess, request: &Request) -> Response {
    let path = match required_path(request) {
        Ok(path) => path,
        Err(response) => return response,
    };
    let offset = match number(request, "offset") {
        Ok(offset) => offset.unwrap_or(-1),
        Err(response) => return response,
    };
    let length = match number(request, "length") {
        Ok(length) => length.filter(|length| *length >= 0),
        Err(response) => return response,
    };
    // offset=-1 (or none): the file's size, with no data (Mesos's "jquery pailer" protocol).
    let (start, length) = match u64::try_from(offset) {
        Ok(start) => (start, length.map(|length| length.unsigned_abs())),
        Err(_) => (0, Some(0)),
    };
    match read(files.paths(), path, start, length) {
        Ok(chunk) => {
            let reported = if offset == -1 { chunk.size } else { start };
            let at_end = start.saturating_add(chunk.data.len() as u64) >= chunk.size;
            json_reply(
                request,
                &json!({ "offset": reported, "data": utf8_text(&chunk.data, at_end) }),
            )
        }
        Err(error) => error_response(&error),
    }
}

fn download_endpoint(files: &FilesProcess, request: &Request) -> Response {
    let path = match required_path(request) {
        Ok(path) => path,
        Err(response) => return response,
    };
    let (mut file, size, name) = match open_download(files.paths(), path) {
        Ok(opened) => opened,
        Err(error) => return error_response(&error),
    };
    let content_type = content_type(&name);
    let disposition = format!("attachment; filename={name}");
    if size <= WHOLE_DOWNLOAD_LIMIT {
        let mut body = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        if let Err(error) = file.read_to_end(&mut body) {
            return error_response(&FilesError::Unknown(format!(
                "Failed to read '{path}': {error}."
            )));
        }
        return Response::ok(body)
            .with_header("Content-Type", content_type)
            .with_header("Content-Disposition", disposition);
    }
    let headers: Headers = [
        ("Content-Type", content_type.to_owned()),
        ("Content-Disposition", disposition),
    ]
    .into_iter()
    .collect();
    let (response, writer) = Response::stream(200, headers);
    let logged_path = path.to_owned();
    let spawned = std::thread::Builder::new()
        .name("files-download".into())
        .spawn(move || {
            let mut offset = 0;
            let mut buffer = vec![0; DOWNLOAD_CHUNK];
            loop {
                match file.read_at(&mut buffer, offset) {
                    Ok(0) => break,
                    Ok(read) => {
                        offset += read as u64;
                        if writer.write(buffer[..read].to_vec()).is_err() {
                            break; // The client went away.
                        }
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(error) => {
                        tracing::warn!(path = logged_path, %error, "download ended early");
                        break;
                    }
                }
            }
        });
    match spawned {
        Ok(_) => response,
        Err(error) => error_response(&FilesError::Unknown(format!(
            "Cannot start the download of '{path}': {error}."
        ))),
    }
}

/// The `path` query parameter, which every endpoint but `debug` requires.
fn required_path(request: &Request) -> Result<&str, Response> {
    match request.query_value("path") {
        Some(path) if !path.is_empty() => Ok(path),
        _ => Err(Response::bad_request("Expecting 'path=value' in query.\n")),
    }
}

/// An optional integer query parameter that must be `-1` or more.
fn number(request: &Request, name: &str) -> Result<Option<i64>, Response> {
    let Some(text) = request.query_value(name) else {
        return Ok(None);
    };
    let value: i64 = text.trim().parse().map_err(|error| {
        Response::bad_request(format!("Failed to parse {name}: '{text}': {error}.\n"))
    })?;
    if value < -1 {
        return Err(Response::bad_request(format!(
            "Negative {name} provided: {value}.\n"
        )));
    }
    Ok(Some(value))
}

fn error_response(error: &FilesError) -> Response {
    Response::text(error.status(), format!("{error}\n"))
}

/// JSON, or `callback(JSON);` for `?jsonp=callback` (identifiers only).
fn json_reply(request: &Request, value: &Value) -> Response {
    let body = value.to_string();
    match request.query_value("jsonp") {
        Some(callback)
            if !callback.is_empty()
                && callback
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$')) =>
        {
            Response::ok(format!("{callback}({body});"))
                .with_header("Content-Type", "text/javascript")
        }
        _ => Response::json(body),
    }
}

/// The bytes as JSON text: valid UTF-8 as is, each invalid sequence as U+FFFD, and a
/// character cut in half at the end of a chunk that is not the file's end left out (the
/// next read, at `offset + len(data)`, starts with it).
pub(crate) fn utf8_text(bytes: &[u8], at_end: bool) -> String {
    let mut text = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                return text;
            }
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                match error.error_len() {
                    None if !at_end => return text,
                    None => {
                        text.push('\u{FFFD}');
                        return text;
                    }
                    Some(length) => {
                        text.push('\u{FFFD}');
                        rest = &after[length..];
                    }
                }
            }
        }
    }
}

/// The Content-Type of a download, by the file name's extension.
fn content_type(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase());
    match extension.as_deref() {
        Some("txt" | "log") => "text/plain",
        Some("html" | "htm") => "text/html",
        Some("css") => "text/css",
        Some("csv") => "text/csv",
        Some("js") => "application/javascript",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("pdf") => "application/pdf",
        Some("gz" | "tgz") => "application/x-gzip",
        Some("tar") => "application/x-tar",
        Some("zip") => "application/zip",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_utf8_and_leaves_a_split_character_for_the_next_read() {
        assert_eq!(utf8_text(b"plain", false), "plain");
        assert_eq!(utf8_text("héllo".as_bytes(), false), "héllo");
        let e_acute = "é".as_bytes();
        let cut = [b"ab".as_slice(), &e_acute[..1]].concat();
        assert_eq!(utf8_text(&cut, false), "ab");
        assert_eq!(utf8_text(&cut, true), "ab\u{FFFD}");
        assert_eq!(utf8_text(b"a\xffb", false), "a\u{FFFD}b");
    }

    #[test]
    fn downloads_are_typed_by_extension() {
        assert_eq!(content_type("stdout"), "application/octet-stream");
        assert_eq!(content_type("out.JSON"), "application/json");
        assert_eq!(content_type("a.tar.gz"), "application/x-gzip");
    }
}
