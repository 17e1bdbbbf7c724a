//! The child-safety corpora (`tests/corpus/*.tsv`, written by `generate.py`): every adversarial
//! line is refused at its door, and neutralised or refused through a provider; at least 99 %
//! of the benign lines pass.

use storyloom_ai::safety;

struct Line {
    door: String,
    age: Option<i64>,
    text: String,
}

/// Undo the `\u{…}` escapes of the files.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 3..];
        let end = tail.find('}').expect("closed escape");
        let c = u32::from_str_radix(&tail[..end], 16)
            .ok()
            .and_then(char::from_u32)
            .expect("valid escape");
        out.push(c);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

fn load(source: &str) -> Vec<Line> {
    source
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.splitn(3, '\t');
            let door = parts.next().unwrap().to_owned();
            let age = parts.next().unwrap().parse().ok();
            let text = unescape(parts.next().unwrap());
            Line { door, age, text }
        })
        .collect()
}

fn field(door: &str) -> &str {
    door.rsplit('.').next().unwrap_or(door)
}

#[test]
fn every_adversarial_input_is_refused_or_neutralised() {
    let lines = load(include_str!("../corpus/adversarial.tsv"));
    assert!(lines.len() >= 300, "{} lines", lines.len());
    let mut slipped = Vec::new();
    for l in &lines {
        // At the door: refused.
        if safety::screen_input(field(&l.door), &l.text, l.age).is_ok() {
            slipped.push(format!("door {}: {:?}", l.door, l.text));
        }
        // Through a provider: refused, or what is left is judged clean.
        if let Ok(left) = safety::screen_for(field(&l.door), &l.text, 1000, l.age)
            && safety::judge(&left, l.age).unwrap().is_some()
        {
            slipped.push(format!("provider {}: {:?} → {left:?}", l.door, l.text));
        }
    }
    assert!(
        slipped.is_empty(),
        "{} of {} slipped through:\n{}",
        slipped.len(),
        lines.len(),
        slipped.join("\n")
    );
}

#[test]
fn benign_inputs_pass() {
    let lines = load(include_str!("../corpus/benign.tsv"));
    assert!(lines.len() >= 300, "{} lines", lines.len());
    let refused: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            safety::screen_input(field(&l.door), &l.text, l.age)
                .err()
                .map(|e| format!("{}: {:?}: {e}", l.door, l.text))
        })
        .collect();
    let passed = lines.len() - refused.len();
    let rate = passed as f64 / lines.len() as f64;
    println!(
        "benign: {passed} of {} pass ({:.1} %); refused:\n{}",
        lines.len(),
        rate * 100.0,
        refused.join("\n")
    );
    assert!(
        rate >= 0.99,
        "only {:.1} % pass:\n{}",
        rate * 100.0,
        refused.join("\n")
    );
}
