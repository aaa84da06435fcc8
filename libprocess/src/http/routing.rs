//! Pure routing helpers: path splitting, percent coding, query strings, longest-prefix match.

/// Splits `target` at `?` into a path and decoded query pairs.
pub(crate) fn split_query(target: &str) -> (String, Vec<(String, String)>) {
    match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), parse_query(query)),
        None => (target.to_owned(), Vec::new()),
    }
}

/// Decodes `a=1&b=two` into pairs (`+` is a space; undecodable pairs are kept raw).
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |text: &str| {
                let text = text.replace('+', " ");
                percent_decode(&text).unwrap_or(text)
            };
            (decode(key), decode(value))
        })
        .collect()
}

/// Decodes `%XX` escapes; `None` if an escape is malformed or the result is not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes.get(index + 1..index + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Escapes every byte outside the unreserved set.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether the path climbs (`/..`), which Mesos answers with 404.
pub(crate) fn is_relative(path: &str) -> bool {
    path.contains("/..")
}

/// `/id/rest/of/path` into the raw first segment and the remainder (`/rest/of/path` or "").
pub(crate) fn split_first_segment(path: &str) -> (&str, &str) {
    let path = path.strip_prefix('/').unwrap_or(path);
    match path.find('/') {
        Some(slash) => (&path[..slash], &path[slash..]),
        None => (path, ""),
    }
}

/// The route names to try for a remainder, longest first: `/a/b/c`, `/a/b`, `/a`, then `/`
/// when the remainder is empty. A trailing slash is ignored.
pub(crate) fn route_candidates(remainder: &str) -> Vec<&str> {
    let mut current = remainder.trim_end_matches('/');
    if current.is_empty() {
        return vec!["/"];
    }
    let mut candidates = vec![current];
    while let Some(slash) = current.rfind('/') {
        current = &current[..slash];
        if current.is_empty() {
            break;
        }
        candidates.push(current);
    }
    candidates
}

/// A route name as stored: leading slash, no trailing slash (`"state"` -> `/state`).
pub(crate) fn normalize_route(name: &str) -> String {
    let trimmed = name.trim_matches('/');
    format!("/{trimmed}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_first() {
        assert_eq!(route_candidates("/a/b/c"), vec!["/a/b/c", "/a/b", "/a"]);
        assert_eq!(route_candidates("/state/"), vec!["/state"]);
        assert_eq!(route_candidates(""), vec!["/"]);
    }

    #[test]
    fn splits_and_decodes() {
        assert_eq!(
            split_first_segment("/slave%281%29/state"),
            ("slave%281%29", "/state")
        );
        assert_eq!(percent_decode("slave%281%29").as_deref(), Some("slave(1)"));
        assert_eq!(percent_decode("bad%2"), None);
        assert_eq!(
            split_query("/x?a=1&b=two+words"),
            (
                "/x".into(),
                vec![("a".into(), "1".into()), ("b".into(), "two words".into())]
            )
        );
        assert!(is_relative("/master/../etc"));
        assert_eq!(normalize_route("state/"), "/state");
    }
}
