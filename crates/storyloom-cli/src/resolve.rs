//! Turning what the user typed ("mia", "3f9c21ab", a full id) into one entity of the cache.
//!
//! Ids are UUIDv7, whose first characters are a timestamp shared by everything made in the
//! same minute; so tables show the *last* 8 hex digits, and a typed fragment matches either
//! end of an id. Names and titles match case-insensitively, exactly first, then as a part
//! ("sleepy" finds "Mia and the sleepy star"). Anything ambiguous is a usage error listing the
//! candidates, never a guess.

use uuid::Uuid;

use crate::error::{CliError, CliResult};

/// The id as tables show it: its last 8 hex digits.
pub fn short_id(id: impl Into<Uuid>) -> String {
    let s = id.into().simple().to_string();
    s[s.len() - 8..].to_owned()
}

/// What kind of thing is being looked up, for messages.
#[derive(Debug, Clone, Copy)]
pub struct Lookup {
    /// "hero", "story", "event".
    pub what: &'static str,
    /// The command that lists them (`heroes list`).
    pub list_cmd: &'static str,
}

/// Pick the one item `query` names.
pub fn pick<'a, T>(
    items: &'a [T],
    query: &str,
    lookup: Lookup,
    id_of: impl Fn(&T) -> Uuid,
    label_of: impl Fn(&T) -> &str,
) -> CliResult<&'a T> {
    let q = query.trim();
    if let Ok(id) = Uuid::parse_str(q) {
        return items
            .iter()
            .find(|i| id_of(i) == id)
            .ok_or_else(|| not_found(q, lookup));
    }
    let by_label: Vec<&T> = items
        .iter()
        .filter(|i| label_of(i).trim().to_lowercase() == q.to_lowercase())
        .collect();
    match by_label.len() {
        1 => return Ok(by_label[0]),
        0 => {}
        _ => return Err(ambiguous(q, lookup, &by_label, &id_of, &label_of)),
    }
    let hex: String = q
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_lowercase();
    if hex.len() >= 4 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        let by_id: Vec<&T> = items
            .iter()
            .filter(|i| {
                let s = id_of(i).simple().to_string();
                s.starts_with(&hex) || s.ends_with(&hex)
            })
            .collect();
        match by_id.len() {
            1 => return Ok(by_id[0]),
            0 => {}
            _ => return Err(ambiguous(q, lookup, &by_id, &id_of, &label_of)),
        }
    }
    let needle = q.to_lowercase();
    let by_part: Vec<&T> = if needle.is_empty() {
        Vec::new()
    } else {
        items
            .iter()
            .filter(|i| label_of(i).to_lowercase().contains(&needle))
            .collect()
    };
    match by_part.len() {
        1 => Ok(by_part[0]),
        0 => Err(not_found(q, lookup)),
        _ => Err(ambiguous(q, lookup, &by_part, &id_of, &label_of)),
    }
}

fn not_found(q: &str, lookup: Lookup) -> CliError {
    CliError::not_found(
        format!("no {} matches `{q}` on this device", lookup.what),
        format!(
            "run `storyloom {}` to see them (or `storyloom sync` if it was made on another device)",
            lookup.list_cmd
        ),
    )
}

fn ambiguous<T>(
    q: &str,
    lookup: Lookup,
    found: &[&T],
    id_of: &impl Fn(&T) -> Uuid,
    label_of: &impl Fn(&T) -> &str,
) -> CliError {
    let names: Vec<String> = found
        .iter()
        .map(|i| format!("{} ({})", label_of(i), short_id(id_of(i))))
        .collect();
    CliError::Usage(format!(
        "`{q}` matches {} {}s: {}; use the id",
        found.len(),
        lookup.what,
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Lookup = Lookup {
        what: "hero",
        list_cmd: "heroes list",
    };

    fn items() -> Vec<(Uuid, &'static str)> {
        vec![
            (
                Uuid::parse_str("0190a1b2-0000-7000-8000-00000000aaaa").unwrap(),
                "Mia",
            ),
            (
                Uuid::parse_str("0190a1b2-0000-7000-8000-00000000dddd").unwrap(),
                "Mia and the sleepy star",
            ),
            (
                Uuid::parse_str("0190a1b2-0000-7000-8000-00000000bbbb").unwrap(),
                "Leo",
            ),
            (
                Uuid::parse_str("0190ffff-0000-7000-8000-00000000cccc").unwrap(),
                "Leo",
            ),
        ]
    }

    fn find<'a>(v: &'a [(Uuid, &'static str)], q: &str) -> CliResult<&'a (Uuid, &'static str)> {
        pick(v, q, L, |i| i.0, |i| i.1)
    }

    #[test]
    fn names_full_ids_and_either_end_of_an_id_resolve() {
        let v = items();
        assert_eq!(find(&v, "mia").unwrap().0, v[0].0);
        assert_eq!(find(&v, "SLEEPY").unwrap().0, v[1].0);
        assert_eq!(find(&v, &v[2].0.to_string()).unwrap().0, v[2].0);
        assert_eq!(find(&v, "0000bbbb").unwrap().0, v[2].0);
        assert_eq!(find(&v, "0190ffff").unwrap().0, v[3].0);
        assert_eq!(short_id(v[0].0), "0000aaaa");
    }

    #[test]
    fn ambiguity_is_a_usage_error_and_absence_is_not_found() {
        let v = items();
        let e = find(&v, "leo").unwrap_err();
        assert_eq!(e.exit_code(), crate::error::EXIT_USAGE);
        assert!(e.to_string().contains("0000bbbb"), "{e}");
        assert_eq!(
            find(&v, "0190a1b2").unwrap_err().exit_code(),
            crate::error::EXIT_USAGE
        );
        assert_eq!(
            find(&v, "e").unwrap_err().exit_code(),
            crate::error::EXIT_USAGE
        );
        assert_eq!(
            find(&v, "zoe").unwrap_err().exit_code(),
            crate::error::EXIT_NOT_FOUND
        );
    }
}
