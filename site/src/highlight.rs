//! Syntax highlighting at build time: a small hand-written tokenizer that
//! finds comments, strings, numbers and keywords, per language by file name
//! (Rust, C, C++, Go, Python, JavaScript, TypeScript, Java, shell, TOML,
//! YAML, JSON). It keeps no state between files and never fails: text it
//! does not understand stays plain. Chosen over a grammar crate (syntect,
//! tree-sitter, giallo) for build time, binary size and licence: the site
//! shows code to read, it does not need a parser's precision.
//!
//! [`tokens`] returns byte ranges with a class; [`crate::source`] escapes
//! and wraps them, closing and reopening a token's span at each line break
//! so every line stays one `<span id="L<n>">`.

/// A token class: the CSS class of its `<span>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Comment,
    Str,
    Number,
    Keyword,
}

impl Class {
    /// The span's opening tag.
    pub fn open(self) -> &'static str {
        match self {
            Class::Comment => "<span class=c>",
            Class::Str => "<span class=s>", // not emitted: strings keep the text colour
            Class::Number => "<span class=n>",
            Class::Keyword => "<span class=k>",
        }
    }
}

/// What the tokenizer knows about a language.
#[derive(Debug)]
pub struct Lang {
    pub name: &'static str,
    line_comments: &'static [&'static str],
    block_comment: Option<(&'static str, &'static str)>,
    /// Quote characters that open a string.
    quotes: &'static [u8],
    /// Quotes whose strings may span lines.
    multiline_quotes: &'static [u8],
    /// Python's `"""` and `'''`.
    triple_quotes: bool,
    /// Rust: `'a` is a lifetime unless it is a character literal.
    rust_chars: bool,
    /// Shell, TOML, YAML: `#` starts a comment only after a space or at
    /// the start of a line.
    hash_after_space: bool,
    /// Sorted.
    keywords: &'static [&'static str],
}

const RUST_KW: &[&str] = &[
    "Self", "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "type", "union", "unsafe", "use", "where", "while",
];
const C_KW: &[&str] = &[
    "NULL",
    "alignas",
    "alignof",
    "asm",
    "auto",
    "bool",
    "break",
    "case",
    "catch",
    "char",
    "class",
    "const",
    "constexpr",
    "continue",
    "decltype",
    "default",
    "define",
    "delete",
    "do",
    "double",
    "else",
    "endif",
    "enum",
    "explicit",
    "extern",
    "false",
    "float",
    "for",
    "friend",
    "goto",
    "if",
    "ifdef",
    "ifndef",
    "include",
    "inline",
    "int",
    "long",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "nullptr",
    "operator",
    "override",
    "pragma",
    "private",
    "protected",
    "public",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "template",
    "this",
    "throw",
    "true",
    "try",
    "typedef",
    "typename",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "while",
];
const GO_KW: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "false",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "iota",
    "map",
    "nil",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "true",
    "type",
    "var",
];
const PY_KW: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "match",
    "nonlocal", "not", "or", "pass", "raise", "return", "self", "try", "while", "with", "yield",
];
const JS_KW: &[&str] = &[
    "abstract",
    "any",
    "as",
    "async",
    "await",
    "boolean",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "constructor",
    "continue",
    "debugger",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "from",
    "function",
    "get",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "keyof",
    "let",
    "namespace",
    "new",
    "null",
    "number",
    "of",
    "private",
    "protected",
    "public",
    "readonly",
    "return",
    "set",
    "static",
    "string",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "with",
    "yield",
];
const JAVA_KW: &[&str] = &[
    "abstract",
    "assert",
    "boolean",
    "break",
    "byte",
    "case",
    "catch",
    "char",
    "class",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extends",
    "false",
    "final",
    "finally",
    "float",
    "for",
    "if",
    "implements",
    "import",
    "instanceof",
    "int",
    "interface",
    "long",
    "native",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "record",
    "return",
    "short",
    "static",
    "super",
    "switch",
    "synchronized",
    "this",
    "throw",
    "throws",
    "true",
    "try",
    "var",
    "void",
    "volatile",
    "while",
];
const SH_KW: &[&str] = &[
    "case", "do", "done", "elif", "else", "esac", "exit", "export", "fi", "for", "function", "if", "in", "local",
    "readonly", "return", "set", "then", "until", "while",
];
const DATA_KW: &[&str] = &["false", "null", "true"];

pub static RUST: Lang = Lang {
    name: "rust",
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: b"\"'",
    multiline_quotes: b"\"",
    triple_quotes: false,
    rust_chars: true,
    hash_after_space: false,
    keywords: RUST_KW,
};
pub static C: Lang = Lang {
    name: "c",
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: b"\"'",
    multiline_quotes: b"",
    triple_quotes: false,
    rust_chars: false,
    hash_after_space: false,
    keywords: C_KW,
};
pub static GO: Lang = Lang {
    name: "go",
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: b"\"'`",
    multiline_quotes: b"`",
    triple_quotes: false,
    rust_chars: false,
    hash_after_space: false,
    keywords: GO_KW,
};
pub static PYTHON: Lang = Lang {
    name: "python",
    line_comments: &["#"],
    block_comment: None,
    quotes: b"\"'",
    multiline_quotes: b"",
    triple_quotes: true,
    rust_chars: false,
    hash_after_space: false,
    keywords: PY_KW,
};
pub static JS: Lang = Lang {
    name: "javascript",
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: b"\"'`",
    multiline_quotes: b"`",
    triple_quotes: false,
    rust_chars: false,
    hash_after_space: false,
    keywords: JS_KW,
};
pub static JAVA: Lang = Lang {
    name: "java",
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: b"\"'",
    multiline_quotes: b"",
    triple_quotes: true,
    rust_chars: false,
    hash_after_space: false,
    keywords: JAVA_KW,
};
pub static SHELL: Lang = Lang {
    name: "shell",
    line_comments: &["#"],
    block_comment: None,
    quotes: b"\"'",
    multiline_quotes: b"\"'",
    triple_quotes: false,
    rust_chars: false,
    hash_after_space: true,
    keywords: SH_KW,
};
pub static TOML: Lang = Lang {
    name: "toml",
    line_comments: &["#"],
    block_comment: None,
    quotes: b"\"'",
    multiline_quotes: b"",
    triple_quotes: true,
    rust_chars: false,
    hash_after_space: false,
    keywords: DATA_KW,
};
pub static YAML: Lang = Lang {
    name: "yaml",
    line_comments: &["#"],
    block_comment: None,
    quotes: b"\"'",
    multiline_quotes: b"",
    triple_quotes: false,
    rust_chars: false,
    hash_after_space: true,
    keywords: DATA_KW,
};
pub static JSON: Lang = Lang {
    name: "json",
    line_comments: &[],
    block_comment: None,
    quotes: b"\"",
    multiline_quotes: b"",
    triple_quotes: false,
    rust_chars: false,
    hash_after_space: false,
    keywords: DATA_KW,
};

/// The language of a file, by its name.
pub fn lang_of(file_name: &str) -> Option<&'static Lang> {
    if matches!(file_name, "Cargo.lock" | "poetry.lock" | "uv.lock") {
        return Some(&TOML);
    }
    let ext = file_name.rsplit_once('.')?.1;
    Some(match ext {
        "rs" => &RUST,
        "c" | "h" | "cc" | "cpp" | "cxx" | "c++" | "hpp" | "hh" | "hxx" | "inl" => &C,
        "go" => &GO,
        "py" | "pyi" => &PYTHON,
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts" => &JS,
        "java" => &JAVA,
        "sh" | "bash" | "zsh" => &SHELL,
        "toml" => &TOML,
        "yaml" | "yml" => &YAML,
        "json" => &JSON,
        _ => return None,
    })
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The tokens of `text`: sorted, non-overlapping byte ranges on character
/// boundaries, with their class.
pub fn tokens(text: &str, lang: &Lang) -> Vec<(usize, usize, Class)> {
    let b = text.as_bytes();
    let n = b.len();
    let mut out = Vec::with_capacity(n / 16);
    let mut i = 0;
    while i < n {
        let c = b[i];
        // Plain bytes that start nothing: skip fast.
        if c == b' ' || c == b'\t' || c == b'\n' || c == b'\r' || c >= 0x80 {
            i += 1;
            continue;
        }
        // Comments.
        if let Some(lc) = lang.line_comments.iter().find(|lc| b[i..].starts_with(lc.as_bytes())) {
            let ok = !lang.hash_after_space || i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n');
            if ok {
                let end = memchr::memchr(b'\n', &b[i..]).map_or(n, |k| i + k);
                out.push((i, end, Class::Comment));
                i = end;
                continue;
            }
            i += lc.len();
            continue;
        }
        if let Some((open, close)) = lang.block_comment
            && b[i..].starts_with(open.as_bytes())
        {
            let from = i + open.len();
            let end = memchr::memmem::find(&b[from..], close.as_bytes()).map_or(n, |k| from + k + close.len());
            out.push((i, end, Class::Comment));
            i = end;
            continue;
        }
        // Strings.
        if lang.quotes.contains(&c) {
            if lang.triple_quotes && n - i >= 3 && b[i + 1] == c && b[i + 2] == c {
                let pat = [c, c, c];
                let end = memchr::memmem::find(&b[i + 3..], &pat).map_or(n, |k| i + 3 + k + 3);
                out.push((i, end, Class::Str));
                i = end;
                continue;
            }
            if lang.rust_chars && c == b'\'' {
                // A character literal `'x'` or `'\n'`; otherwise a lifetime.
                let lit = if b.get(i + 1) == Some(&b'\\') {
                    true
                } else {
                    let next = text[i + 1..].chars().next().map_or(0, char::len_utf8);
                    next > 0 && b.get(i + 1 + next) == Some(&b'\'')
                };
                if !lit {
                    i += 1;
                    continue;
                }
            }
            let multiline = lang.multiline_quotes.contains(&c);
            let mut j = i + 1;
            while j < n {
                let d = b[j];
                // A backslash escapes the next byte (not in a Go raw string).
                if d == b'\\' && !(c == b'`' && lang.name == "go") {
                    j += 2;
                    continue;
                }
                if d == c {
                    j += 1;
                    break;
                }
                if d == b'\n' && !multiline {
                    break;
                }
                j += 1;
            }
            let end = j.min(n);
            // Never split a character: the end is after an ASCII byte.
            let end = (end..=n).find(|&e| text.is_char_boundary(e)).unwrap_or(n);
            out.push((i, end, Class::Str));
            i = end;
            continue;
        }
        // Numbers (not inside an identifier).
        if c.is_ascii_digit() {
            let mut j = i + 1;
            while j < n && (is_ident(b[j]) || b[j] == b'.' && j + 1 < n && b[j + 1].is_ascii_digit()) {
                j += 1;
            }
            out.push((i, j, Class::Number));
            i = j;
            continue;
        }
        // Identifiers: keywords highlighted, the rest skipped whole.
        if is_ident_start(c) {
            let mut j = i + 1;
            while j < n && is_ident(b[j]) {
                j += 1;
            }
            // A Rust raw string `r"..."`, `r#"..."#`, a byte string `b"..."`.
            if lang.rust_chars && j < n && (b[j] == b'"' || b[j] == b'#') && matches!(&b[i..j], b"r" | b"br" | b"b") {
                let mut hashes = 0;
                let mut k = j;
                while k < n && b[k] == b'#' {
                    hashes += 1;
                    k += 1;
                }
                if k < n && b[k] == b'"' && (hashes == 0 || b[i..j].contains(&b'r')) {
                    if hashes == 0 && !b[i..j].contains(&b'r') {
                        // b"...": an ordinary string with escapes, from its quote.
                        i = j;
                        continue;
                    }
                    let mut close = vec![b'"'];
                    close.extend(std::iter::repeat_n(b'#', hashes));
                    let end = memchr::memmem::find(&b[k + 1..], &close).map_or(n, |e| k + 1 + e + close.len());
                    out.push((i, end, Class::Str));
                    i = end;
                    continue;
                }
            }
            let word = &text[i..j];
            if lang.keywords.binary_search(&word).is_ok() {
                out.push((i, j, Class::Keyword));
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(text: &str, lang: &Lang) -> Vec<(String, Class)> {
        tokens(text, lang).into_iter().map(|(a, b, c)| (text[a..b].to_string(), c)).collect()
    }

    #[test]
    fn keyword_lists_are_sorted() {
        for l in [&RUST, &C, &GO, &PYTHON, &JS, &JAVA, &SHELL, &TOML, &YAML, &JSON] {
            assert!(l.keywords.windows(2).all(|w| w[0] < w[1]), "{}", l.name);
        }
    }

    #[test]
    fn rust_tokens() {
        let t = classes("fn f<'a>(x: &'a str) -> char { 'x' } // hi\n/* a\nb */ let s = r#\"q\"#; 0x1f", &RUST);
        assert_eq!(
            t,
            vec![
                ("fn".into(), Class::Keyword),
                ("'x'".into(), Class::Str),
                ("// hi".into(), Class::Comment),
                ("/* a\nb */".into(), Class::Comment),
                ("let".into(), Class::Keyword),
                ("r#\"q\"#".into(), Class::Str),
                ("0x1f".into(), Class::Number),
            ]
        );
        assert_eq!(classes("\"a\\\"b\" x1", &RUST), vec![("\"a\\\"b\"".into(), Class::Str)]);
    }

    #[test]
    fn other_languages() {
        assert_eq!(
            classes("def f():\n    return \"\"\"doc\nx\"\"\"  # c", &PYTHON),
            vec![
                ("def".into(), Class::Keyword),
                ("return".into(), Class::Keyword),
                ("\"\"\"doc\nx\"\"\"".into(), Class::Str),
                ("# c".into(), Class::Comment),
            ]
        );
        assert_eq!(classes("echo ${#x} # c", &SHELL), vec![("# c".into(), Class::Comment)]);
        assert_eq!(
            classes("{\"a\": [1, true, null]}", &JSON),
            vec![
                ("\"a\"".into(), Class::Str),
                ("1".into(), Class::Number),
                ("true".into(), Class::Keyword),
                ("null".into(), Class::Keyword),
            ]
        );
        assert!(lang_of("main.go").is_some_and(|l| l.name == "go"));
        assert!(lang_of("Cargo.lock").is_some_and(|l| l.name == "toml"));
        assert!(lang_of("README").is_none());
        // Unterminated strings and comments end at the text's end, on a
        // character boundary.
        let t = tokens("x = \"é", &PYTHON);
        assert_eq!(t, vec![(4, 7, Class::Str)]);
        let t = tokens("/* é", &C);
        assert_eq!(t, vec![(0, 5, Class::Comment)]);
    }
}
