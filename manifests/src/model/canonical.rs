//! Canonical JSON per RFC 8785 (JCS) for the values vouch writes: objects
//! with keys sorted by UTF-16 code units, no whitespace, strings escaped
//! minimally, integers in plain decimal.
//!
//! Floats are refused: no vouch document carries one, and JCS's number
//! rules are only needed for them.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum CanonicalError {
    #[error("cannot serialize to JSON")]
    Serialize(#[source] serde_json::Error),
    #[error("non-integer number {0} has no canonical form here")]
    Float(String),
}

/// Serializes `value` to canonical JSON bytes.
pub fn to_vec<T: Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let v = serde_json::to_value(value).map_err(CanonicalError::Serialize)?;
    let mut out = Vec::with_capacity(4096);
    write_value(&v, &mut out)?;
    Ok(out)
}

fn write_value(v: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                out.extend_from_slice(n.to_string().as_bytes());
            } else {
                return Err(CanonicalError::Float(n.to_string()));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(x, out)?;
            }
            out.push(b']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                write_value(&m[k.as_str()], out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_by_utf16_and_escapes() {
        // U+10000 (surrogate pair D800 DC00) sorts before U+FB01 in UTF-16,
        // after it in UTF-8: RFC 8785 §3.2.3.
        let v = json!({"\u{fb01}": 1, "\u{10000}": 2, "b": [true, null, "x\n\u{1}\"/"], "a": -5});
        let s = String::from_utf8(to_vec(&v).unwrap()).unwrap();
        assert_eq!(s, "{\"a\":-5,\"b\":[true,null,\"x\\n\\u0001\\\"/\"],\"\u{10000}\":2,\"\u{fb01}\":1}");
    }

    #[test]
    fn refuses_floats() {
        assert!(to_vec(&json!({"a": 1.5})).is_err());
    }
}
