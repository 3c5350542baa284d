//! Tokens of the segment rule language, each with its byte position.

use rust_decimal::Decimal;

use super::{invalid, MAX_RULE_BYTES};
use crate::error::Result;

/// A token and where it starts in the rule (byte offset).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub kind: Kind,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    /// A name: a field, `and`, `or`, `not`, `in`, a behaviour or an
    /// argument name.
    Word(String),
    /// A decimal number, optionally with a unit suffix (`7d`).
    Number(Decimal, Option<char>),
    /// A double-quoted string (`\"` and `\\` escapes).
    Text(String),
    /// `>=`, `<=`, `!=`, `=`, `>`, `<`.
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    Colon,
    End,
}

/// Splits `rule` into tokens, ending with [`Kind::End`].
pub(super) fn tokens(rule: &str) -> Result<Vec<Token>> {
    if rule.len() > MAX_RULE_BYTES {
        return Err(invalid(
            MAX_RULE_BYTES,
            format!(
                "a rule may be at most {MAX_RULE_BYTES} bytes, this one is {}",
                rule.len()
            ),
        ));
    }
    let bytes = rule.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let at = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' => Kind::LParen,
            b')' => Kind::RParen,
            b',' => Kind::Comma,
            b':' => Kind::Colon,
            b'>' | b'<' | b'!' | b'=' => {
                let two = bytes.get(i + 1) == Some(&b'=');
                let op = match (c, two) {
                    (b'>', true) => ">=",
                    (b'<', true) => "<=",
                    (b'!', true) => "!=",
                    (b'=', _) => "=",
                    (b'>', false) => ">",
                    (b'<', false) => "<",
                    _ => return Err(invalid(at, "'!' must be followed by '='".into())),
                };
                i += op.len();
                if c == b'=' && two {
                    i += 1; // accept `==` as `=`
                }
                out.push(Token {
                    kind: Kind::Op(op),
                    at,
                });
                continue;
            }
            b'"' => {
                let (text, next) = string(rule, i)?;
                i = next;
                out.push(Token {
                    kind: Kind::Text(text),
                    at,
                });
                continue;
            }
            b'0'..=b'9' | b'-' => {
                let start = i;
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                let digits = &rule[start..i];
                let value: Decimal = digits
                    .parse()
                    .map_err(|_| invalid(at, format!("{digits:?} is not a number")))?;
                let unit = match bytes.get(i) {
                    Some(u) if u.is_ascii_alphabetic() => {
                        i += 1;
                        Some(char::from(*u))
                    }
                    _ => None,
                };
                out.push(Token {
                    kind: Kind::Number(value, unit),
                    at,
                });
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push(Token {
                    kind: Kind::Word(rule[start..i].to_owned()),
                    at,
                });
                continue;
            }
            _ => {
                let shown: String = rule[at..].chars().take(1).collect();
                return Err(invalid(at, format!("unexpected {shown:?}")));
            }
        };
        i += 1;
        out.push(Token { kind, at });
    }
    out.push(Token {
        kind: Kind::End,
        at: rule.len(),
    });
    Ok(out)
}

/// The string starting at the quote at `start`; returns it and the byte
/// after its closing quote.
fn string(rule: &str, start: usize) -> Result<(String, usize)> {
    let mut text = String::new();
    let mut chars = rule[start + 1..].char_indices();
    while let Some((offset, c)) = chars.next() {
        match c {
            '"' => return Ok((text, start + 1 + offset + 1)),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => text.push(e),
                _ => {
                    return Err(invalid(
                        start + 1 + offset,
                        "only \\\" and \\\\ may be escaped".into(),
                    ))
                }
            },
            c => text.push(c),
        }
    }
    Err(invalid(start, "the string is not closed".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_positions() {
        let t = tokens("total_spent >= 500 and tag = \"v\\\"ip\"").unwrap();
        let kinds: Vec<(Kind, usize)> = t.into_iter().map(|t| (t.kind, t.at)).collect();
        assert_eq!(
            kinds,
            vec![
                (Kind::Word("total_spent".into()), 0),
                (Kind::Op(">="), 12),
                (Kind::Number(Decimal::new(500, 0), None), 15),
                (Kind::Word("and".into()), 19),
                (Kind::Word("tag".into()), 23),
                (Kind::Op("="), 27),
                (Kind::Text("v\"ip".into()), 29),
                (Kind::End, 36),
            ]
        );
        let within = tokens("7d").unwrap();
        assert_eq!(within[0].kind, Kind::Number(Decimal::new(7, 0), Some('d')));
    }

    #[test]
    fn bad_input_names_its_position() {
        for (rule, at) in [
            ("a = \"open", 4),
            ("a # 1", 2),
            ("a ! 1", 2),
            ("x = 1.2.3", 4),
        ] {
            let e = tokens(rule).unwrap_err();
            assert_eq!(e.code(), "invalid_segment_rule", "{rule}");
            assert!(
                e.to_string().contains(&format!("at byte {at}")),
                "{rule}: {e}"
            );
        }
        let huge = "a = 1 or ".repeat(1_000);
        assert_eq!(tokens(&huge).unwrap_err().code(), "invalid_segment_rule");
    }
}
