//! The layer rule of `postern-server`, read off its source: imports go one way (bottom ←
//! storage ← web ← commands), the kit imports neither interface, the two interfaces never
//! import each other, and there is no import circle among the server's modules.
//!
//! Each file's `use` statements and inline `crate::`/`super::`/`self::` paths are resolved to
//! the module they name (test modules at the bottom of a file are left out). Each interface
//! folder (`web::source`, `web::journalist`) counts as one module for the circle check: a
//! feature and its sub-modules may refer to each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module of the crate (as `a::b`), with its file's text (tests cut off).
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_stem().unwrap().to_str().unwrap().to_owned();
            if p.is_dir() {
                let mut pre = prefix.to_vec();
                pre.push(name);
                walk(&p, &pre, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let mut path = prefix.to_vec();
                if name != "mod" && name != "lib" && name != "main" {
                    path.push(name.clone());
                }
                if name == "main" {
                    path.push("main".into());
                }
                let text = std::fs::read_to_string(&p).unwrap();
                let text = match text.find("#[cfg(test)]") {
                    Some(i) => text[..i].to_owned(),
                    None => text,
                };
                out.insert(path.join("::"), text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&src_dir(), &[], &mut out);
    out
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    fn go(prefix: &str, t: &str, out: &mut Vec<String>) {
        match t.find('{') {
            None => out.push(format!("{prefix}{t}")),
            Some(i) => {
                let head = &t[..i];
                let inner = &t[i + 1..t.rfind('}').unwrap()];
                let mut depth = 0;
                let mut start = 0;
                for (j, c) in inner.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            go(&format!("{prefix}{head}"), &inner[start..j], out);
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
                if start < inner.len() {
                    go(&format!("{prefix}{head}"), &inner[start..], out);
                }
            }
        }
    }
    let mut out = Vec::new();
    go("", &tree, &mut out);
    out
}

/// The paths a file refers to: `use` trees and inline `crate::`, `super::`, `self::` paths.
fn paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // `use` statements start a line (after `pub`, `pub(crate)`, … if any) and end at `;`.
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let t = t
            .strip_prefix("pub ")
            .or_else(|| t.strip_prefix("pub(crate) "))
            .or_else(|| t.strip_prefix("pub(super) "))
            .unwrap_or(t);
        if let Some(tree) = t.strip_prefix("use ") {
            let start = offset + (line.len() - tree.len());
            if let Some(end) = text[start..].find(';') {
                out.extend(expand(&text[start..start + end]));
            }
        }
        offset += line.len();
    }
    for root in ["crate::", "super::", "self::"] {
        let mut s = text;
        while let Some(i) = s.find(root) {
            let tail: String = s[i..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(tail.trim_end_matches(':').to_owned());
            s = &s[i + root.len()..];
        }
    }
    out
}

/// The module a path names, resolved from module `from`; `None` for other crates.
fn resolve(from: &str, path: &str, known: &BTreeSet<String>) -> Option<String> {
    let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<&str> = if from.is_empty() {
        Vec::new()
    } else {
        from.split("::").collect()
    };
    match segs.first().copied() {
        Some("crate") => {
            base.clear();
            segs.remove(0);
        }
        Some("super") => {
            // In `a/b.rs` (module a::b) `super` is `a`; in `a/b/mod.rs` (a::b) it is `a` too.
            while segs.first() == Some(&"super") {
                segs.remove(0);
                base.pop();
            }
        }
        Some("self") => {
            segs.remove(0);
        }
        _ => return None,
    }
    let mut full: Vec<&str> = base;
    full.extend(segs);
    // The longest known module that prefixes the path.
    (0..=full.len())
        .rev()
        .map(|n| full[..n].join("::"))
        .find(|m| known.contains(m))
}

/// The unit a module belongs to for the circle check.
fn unit(m: &str) -> String {
    for folder in ["web::source", "web::journalist"] {
        if m == folder || m.starts_with(&format!("{folder}::")) {
            return folder.to_owned();
        }
    }
    m.to_owned()
}

/// module → the modules it imports (itself and its ancestors excluded).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    let known: BTreeSet<String> = mods.keys().cloned().collect();
    let mut g = BTreeMap::new();
    for (m, text) in &mods {
        let mut deps = BTreeSet::new();
        for p in paths(text) {
            if let Some(t) = resolve(m, &p, &known)
                && t != *m
                && !t.is_empty()
                && !m.starts_with(&format!("{t}::"))
            {
                deps.insert(t);
            }
        }
        g.insert(m.clone(), deps);
    }
    g
}

fn layer(m: &str) -> u8 {
    let top = m.split("::").next().unwrap_or("");
    match top {
        "config" | "fsutil" | "clock" | "systemd" => 0,
        "storage" => 1,
        "web" => 2,
        "commands" | "main" => 3,
        // lib.rs itself only declares modules.
        "" => 4,
        other => panic!("module `{other}` is in no layer: add it to the rule"),
    }
}

#[test]
fn the_layer_rule_holds_and_the_test_sees_the_modules() {
    let g = graph();
    // The test must see what it checks: a broken parser would pass everything.
    for m in [
        "storage::staging",
        "storage::uploads",
        "web::kit::error",
        "web::source::tus",
        "web::journalist::auth",
        "commands::check",
    ] {
        assert!(g.contains_key(m), "{m} not found by the layer test");
    }
    assert!(g["web::source::tus"].contains("storage::staging"));
    assert!(g["web::source::submit"].contains("web::kit::csrf"));
    assert!(g["storage::uploads"].contains("storage::staging"));
    assert!(g["commands::demo"].contains("commands::init"));
    let mut broken = Vec::new();
    for (m, deps) in &g {
        for d in deps {
            let upward = layer(d) > layer(m);
            let kit_to_interface = m.starts_with("web::kit")
                && (d.starts_with("web::source") || d.starts_with("web::journalist"));
            let across = (m.starts_with("web::source") && d.starts_with("web::journalist"))
                || (m.starts_with("web::journalist") && d.starts_with("web::source"));
            if upward || kit_to_interface || across {
                broken.push(format!("{m} imports {d}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "layer rule broken:\n{}",
        broken.join("\n")
    );
}

/// A circle in `g`, if there is one (depth-first search with colours).
fn find_circle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_owned(), 1);
        stack.push(n.to_owned());
        for d in g.get(n).into_iter().flatten() {
            match state.get(d.as_str()).copied().unwrap_or(0) {
                1 => {
                    let i = stack.iter().position(|s| s == d).unwrap();
                    let mut c = stack[i..].to_vec();
                    c.push(d.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(d, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = visit(n, g, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_import_circle_among_the_server_modules() {
    let mut units: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, deps) in graph() {
        let u = unit(&m);
        let entry = units.entry(u.clone()).or_default();
        for d in deps {
            let du = unit(&d);
            if du != u {
                entry.insert(du);
            }
        }
    }
    assert!(units.len() > 20, "too few modules seen: {units:?}");
    if let Some(c) = find_circle(&units) {
        panic!("import circle: {}", c.join(" → "));
    }
}

#[test]
fn the_checks_themselves_can_fail() {
    // A planted circle is found, and paths resolve as Rust resolves them.
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(find_circle(&g).unwrap(), vec!["a", "b", "c", "a"]);
    let known: BTreeSet<String> = ["a", "a::b", "c"].iter().map(|s| s.to_string()).collect();
    assert_eq!(
        resolve("a::b", "super::super::c::X", &known).as_deref(),
        Some("c")
    );
    assert_eq!(
        resolve("a", "crate::a::b::X", &known).as_deref(),
        Some("a::b")
    );
    assert_eq!(resolve("a::b", "self::Y", &known).as_deref(), Some("a::b"));
    assert_eq!(resolve("a", "std::fs", &known), None);
    assert_eq!(
        expand("crate::x::{a, b::{c, d}}"),
        vec!["crate::x::a", "crate::x::b::c", "crate::x::b::d"]
    );
    assert_eq!(layer("web::kit::csrf"), 2);
}
