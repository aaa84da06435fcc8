//! Roles: hierarchical names like `eng/frontend`, `*` for "any role", validated as Mesos does.

use std::{borrow::Borrow, fmt, sync::Arc};

/// A validated role name (`*`, `eng`, `eng/frontend`), cheap to clone.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Role(Arc<str>);

/// Why a string is not a valid role; the messages are Mesos's (src/common/roles.cpp).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    /// The empty string.
    #[error("Role names cannot be the empty string")]
    Empty,
    /// `/eng`.
    #[error("Role '{0}' cannot start with a slash")]
    LeadingSlash(String),
    /// `eng/`.
    #[error("Role '{0}' cannot end with a slash")]
    TrailingSlash(String),
    /// `eng//web`.
    #[error("Role '{0}' cannot contain two adjacent slashes")]
    AdjacentSlashes(String),
    /// `eng/./web`.
    #[error("Role '{0}' cannot include '.' as a component")]
    DotComponent(String),
    /// `eng/../web`.
    #[error("Role '{0}' cannot include '..' as a component")]
    DotDotComponent(String),
    /// `eng/*` (only the whole role may be `*`).
    #[error("Role '{0}' cannot include '*' as a component")]
    StarComponent(String),
    /// `-eng`.
    #[error("Role component '{0}' is invalid because it starts with a dash")]
    LeadingDash(String),
    /// Tab, newline, vertical tab, form feed, carriage return, space or DEL.
    #[error("Role component '{0}' is invalid because it contains backspace or whitespace")]
    Whitespace(String),
}

/// Checks a role name exactly as Mesos's `roles::validate` does.
pub fn validate_role(role: &str) -> Result<(), RoleError> {
    if role == "*" {
        return Ok(());
    }
    if role.starts_with('/') {
        return Err(RoleError::LeadingSlash(role.to_string()));
    }
    if role.ends_with('/') {
        return Err(RoleError::TrailingSlash(role.to_string()));
    }
    if role.contains("//") {
        return Err(RoleError::AdjacentSlashes(role.to_string()));
    }
    if role.is_empty() {
        return Err(RoleError::Empty);
    }
    for component in role.split('/') {
        match component {
            "." => return Err(RoleError::DotComponent(role.to_string())),
            ".." => return Err(RoleError::DotDotComponent(role.to_string())),
            "*" => return Err(RoleError::StarComponent(role.to_string())),
            _ => {}
        }
        if component.starts_with('-') {
            return Err(RoleError::LeadingDash(component.to_string()));
        }
        if component
            .bytes()
            .any(|b| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x7f))
        {
            return Err(RoleError::Whitespace(component.to_string()));
        }
    }
    Ok(())
}

/// True when `role` is a strict descendant of `ancestor`: `a/b` of `a`, but not `a` of `a` and
/// not `ab` of `a`.
pub fn is_strict_subrole(role: &str, ancestor: &str) -> bool {
    role.len() > ancestor.len()
        && role.as_bytes()[ancestor.len()] == b'/'
        && role.starts_with(ancestor)
}

/// The ancestors of a role, nearest first: `a/b/c` gives `a/b`, then `a`.
pub fn ancestors(role: &str) -> impl Iterator<Item = &str> {
    role.char_indices()
        .rev()
        .filter(|&(_, c)| c == '/')
        .map(move |(index, _)| &role[..index])
}

impl Role {
    /// Validates and wraps a role name.
    pub fn new(role: &str) -> Result<Role, RoleError> {
        validate_role(role)?;
        Ok(Role(Arc::from(role)))
    }

    /// The role `*`.
    pub fn star() -> Role {
        Role(Arc::from("*"))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `*`.
    pub fn is_star(&self) -> bool {
        &*self.0 == "*"
    }

    /// True when `self` is a strict descendant of `ancestor`.
    pub fn is_strict_subrole_of(&self, ancestor: &str) -> bool {
        is_strict_subrole(&self.0, ancestor)
    }

    /// True when `self` is `role` or one of its descendants.
    pub fn is_in_subtree_of(&self, role: &str) -> bool {
        &*self.0 == role || is_strict_subrole(&self.0, role)
    }

    /// The ancestors, nearest first.
    pub fn ancestors(&self) -> impl Iterator<Item = &str> {
        ancestors(&self.0)
    }

    /// Cheap equality: pointer first, then bytes.
    pub(crate) fn same_as(&self, other: &Role) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl fmt::Debug for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Role {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Role {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Role {
    type Error = RoleError;

    fn try_from(role: &str) -> Result<Role, RoleError> {
        Role::new(role)
    }
}

impl PartialEq<str> for Role {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Role {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_roles() {
        for role in [
            "*",
            "a",
            "eng/frontend",
            "a/b/c",
            "a.b",
            "a-b",
            "a/b-",
            "\u{e9}t\u{e9}",
            "x*",
        ] {
            assert_eq!(validate_role(role), Ok(()), "{role:?}");
        }
    }

    #[test]
    fn invalid_roles_name_the_problem() {
        let cases: &[(&str, &str)] = &[
            ("", "Role names cannot be the empty string"),
            ("/a", "Role '/a' cannot start with a slash"),
            ("/", "Role '/' cannot start with a slash"),
            ("a/", "Role 'a/' cannot end with a slash"),
            ("a//b", "Role 'a//b' cannot contain two adjacent slashes"),
            (".", "Role '.' cannot include '.' as a component"),
            ("a/./b", "Role 'a/./b' cannot include '.' as a component"),
            ("..", "Role '..' cannot include '..' as a component"),
            ("a/..", "Role 'a/..' cannot include '..' as a component"),
            ("a/*", "Role 'a/*' cannot include '*' as a component"),
            ("*/a", "Role '*/a' cannot include '*' as a component"),
            (
                "-a",
                "Role component '-a' is invalid because it starts with a dash",
            ),
            (
                "a/-b",
                "Role component '-b' is invalid because it starts with a dash",
            ),
            (
                "a b",
                "Role component 'a b' is invalid because it contains backspace or whitespace",
            ),
            (
                "a\tb",
                "Role component 'a\tb' is invalid because it contains backspace or whitespace",
            ),
            (
                "a\u{7f}",
                "Role component 'a\u{7f}' is invalid because it contains backspace or whitespace",
            ),
        ];
        for (role, message) in cases {
            let error = validate_role(role).expect_err(role);
            assert_eq!(error.to_string(), *message, "{role:?}");
        }
    }

    #[test]
    fn subroles_and_ancestors() {
        assert!(is_strict_subrole("foo/bar", "foo"));
        assert!(!is_strict_subrole("foo", "foo"));
        assert!(!is_strict_subrole("foobar", "foo"));
        assert!(!is_strict_subrole("foo", "foo/bar"));
        assert!(is_strict_subrole("a/b/c", "a"));
        assert_eq!(
            ancestors("a/b/c/d").collect::<Vec<_>>(),
            ["a/b/c", "a/b", "a"]
        );
        assert_eq!(ancestors("a").count(), 0);
        let role = Role::new("a/b").expect("valid");
        assert!(role.is_in_subtree_of("a"));
        assert!(role.is_in_subtree_of("a/b"));
        assert!(!role.is_in_subtree_of("a/bc"));
        assert!(Role::star().is_star());
    }
}
