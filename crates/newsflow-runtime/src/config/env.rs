//! What the environment brings to a config: `${VAR}` in its strings, and
//! overrides typed by the field they set.

use serde_json::Value;

/// Reads an environment variable by name.
pub(super) type Lookup = dyn Fn(&str) -> Option<String>;

/// One string's `${VAR}`, `${VAR:-default}` and `$$`; any other `$` is kept.
pub(super) fn expand(text: &str, lookup: &Lookup) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(after_dollar) = after.strip_prefix('$') {
            out.push('$');
            rest = after_dollar;
        } else if let Some(inner) = after.strip_prefix('{') {
            let end = inner
                .find('}')
                .ok_or_else(|| format!("`${{` without a closing `}}` in {text:?}"))?;
            let (name, default) = match inner[..end].split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (&inner[..end], None),
            };
            let valid = !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "`${{{}}}` is not a variable name (letters, digits and _; write $$ for a literal $)",
                    &inner[..end]
                ));
            }
            match (lookup(name).filter(|v| !v.is_empty()), default) {
                (Some(value), _) => out.push_str(&value),
                (None, Some(default)) => out.push_str(default),
                (None, None) => {
                    return Err(format!(
                        "the environment variable {name} is not set (named by `${{{name}}}`); set it, or give a default: `${{{name}:-value}}`"
                    ))
                }
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// An override's text as the type a field wanted instead of a string:
/// a number, a boolean, a JSON array or object, or a comma-separated list.
fn retype(text: &str, wanted: &str) -> Option<Value> {
    let trimmed = text.trim();
    if wanted.contains("sequence") && !trimmed.starts_with('[') {
        let items = trimmed
            .split(',')
            .map(|item| Value::String(item.trim().to_owned()));
        return Some(Value::Array(items.collect()));
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::String(_)) | Err(_) => None,
        Ok(value) => Some(value),
    }
}

/// Retypes the string at `path` (dotted, below `table`); false when there
/// is none or it reads as nothing else.
pub(super) fn retype_at(table: &mut Value, path: &str, message: &str) -> bool {
    let mut value = table;
    for part in path.split('.') {
        match value.get_mut(part) {
            Some(inner) => value = inner,
            None => return false,
        }
    }
    let Value::String(text) = value else {
        return false;
    };
    match retype(text, message) {
        Some(typed) => {
            *value = typed;
            true
        }
        None => false,
    }
}
