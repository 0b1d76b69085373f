//! SCIM 2.0 filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2), parsed into a tree the
//! server turns into SQL. Operators and attribute names are case-insensitive; `and` binds
//! tighter than `or`; values are JSON literals. A filter that does not parse is an error
//! that says where and what was expected (the server answers 400 `invalidFilter`).

use std::fmt;

/// Longest filter or path accepted, in bytes (a filter is a query parameter, not a program).
pub const MAX_FILTER_LEN: usize = 2048;
/// Deepest nesting of parentheses and `not`s.
pub const MAX_DEPTH: usize = 32;

/// An attribute: `userName`, `name.givenName`, or with its schema URN
/// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN before the name, if given (as written).
    pub urn: Option<String>,
    /// The attribute's name (as written; compare with [`AttrPath::is`]).
    pub name: String,
    /// The sub-attribute after a dot.
    pub sub: Option<String>,
}

impl AttrPath {
    /// Whether this is `name` (and `sub`), case-insensitively, ignoring the URN.
    pub fn is(&self, name: &str, sub: Option<&str>) -> bool {
        self.name.eq_ignore_ascii_case(name)
            && match (self.sub.as_deref(), sub) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "co" => Self::Co,
            "sw" => Self::Sw,
            "ew" => Self::Ew,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }
}

/// A comparison's value: a JSON literal other than an object or array.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Number(f64),
    Bool(bool),
    Null,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attr op value`.
    Compare(AttrPath, CompareOp, Value),
    /// `attr pr`.
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attr[filter]`: some value of the multi-valued `attr` matches `filter`, whose paths
    /// are its sub-attributes.
    Values(AttrPath, Box<Filter>),
}

/// A PATCH operation's target: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter (`emails[type eq "work"].value`).
    pub sub: Option<String>,
}

/// Why a filter or path did not parse: where (a byte offset) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {at}: {message}")]
pub struct FilterError {
    pub at: usize,
    pub message: String,
}

/// Parses a `filter` query parameter.
pub fn parse_filter(text: &str) -> Result<Filter, FilterError> {
    let mut p = Parser::new(text)?;
    let filter = p.or_expr(0)?;
    p.end()?;
    Ok(filter)
}

/// Parses a PATCH operation's `path`.
pub fn parse_path(text: &str) -> Result<Path, FilterError> {
    let mut p = Parser::new(text)?;
    p.skip_spaces();
    let start = p.pos;
    let attr = p.attr_path()?;
    let (filter, sub) = if p.eat("[") {
        if attr.sub.is_some() {
            return Err(p.error_at(start, "a value filter follows an attribute, not a sub-attribute"));
        }
        p.in_values = true;
        let filter = p.or_expr(1)?;
        p.expect("]")?;
        let sub = if p.eat(".") { Some(p.name()?) } else { None };
        (Some(filter), sub)
    } else {
        (None, None)
    };
    p.end()?;
    Ok(Path { attr, filter, sub })
}

/// ATTRNAME of RFC 7643 §2.1 (letters, digits, `-`, `_`, starting with a letter), and the
/// `$ref` of references.
fn is_name(part: &str) -> bool {
    part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '$')
        && part.chars().all(|c| c.is_ascii_alphanumeric() || "-_$".contains(c))
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Inside `attr[…]`, where another value filter may not start.
    in_values: bool,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Result<Self, FilterError> {
        if text.len() > MAX_FILTER_LEN {
            return Err(FilterError { at: MAX_FILTER_LEN, message: format!("longer than {MAX_FILTER_LEN} bytes") });
        }
        Ok(Self { text, pos: 0, in_values: false })
    }

    fn error_at(&self, at: usize, message: impl Into<String>) -> FilterError {
        FilterError { at, message: message.into() }
    }

    fn error(&self, message: impl Into<String>) -> FilterError {
        self.error_at(self.pos, message)
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches(' ').len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_spaces();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), FilterError> {
        if self.eat(token) { Ok(()) } else { Err(self.error(format!("expected {token:?}, found {}", self.found()))) }
    }

    fn found(&self) -> String {
        match self.rest().chars().next() {
            None => "the end".to_owned(),
            Some(_) => format!("{:?}", self.rest().chars().take(12).collect::<String>()),
        }
    }

    fn end(&mut self) -> Result<(), FilterError> {
        self.skip_spaces();
        if self.rest().is_empty() { Ok(()) } else { Err(self.error(format!("unexpected {}", self.found()))) }
    }

    /// The next word (letters, digits and `-_.:$`), without consuming it.
    fn peek_word(&self) -> &'a str {
        let rest = self.rest().trim_start_matches(' ');
        let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || "-_.:$".contains(c))).unwrap_or(rest.len());
        &rest[..len]
    }

    /// Consumes the keyword `word` (case-insensitive) if it is the next word.
    fn eat_keyword(&mut self, word: &str) -> bool {
        if self.peek_word().eq_ignore_ascii_case(word) {
            self.skip_spaces();
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn or_expr(&mut self, depth: usize) -> Result<Filter, FilterError> {
        let mut left = self.and_expr(depth)?;
        while self.eat_keyword("or") {
            let right = self.and_expr(depth)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self, depth: usize) -> Result<Filter, FilterError> {
        let mut left = self.unary(depth)?;
        while self.eat_keyword("and") {
            let right = self.unary(depth)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Filter, FilterError> {
        if depth >= MAX_DEPTH {
            return Err(self.error(format!("nested deeper than {MAX_DEPTH}")));
        }
        self.skip_spaces();
        if self.eat("(") {
            let inner = self.or_expr(depth + 1)?;
            self.expect(")")?;
            return Ok(inner);
        }
        let start = self.pos;
        if self.eat_keyword("not") {
            if !self.eat("(") {
                return Err(self.error(format!("expected \"(\" after not, found {}", self.found())));
            }
            let inner = self.or_expr(depth + 1)?;
            self.expect(")")?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        self.pos = start;
        let attr = self.attr_path()?;
        if self.eat("[") {
            if self.in_values {
                return Err(self.error_at(start, "a value filter cannot hold another"));
            }
            self.in_values = true;
            let inner = self.or_expr(depth + 1)?;
            self.in_values = false;
            self.expect("]")?;
            return Ok(Filter::Values(attr, Box::new(inner)));
        }
        self.skip_spaces();
        let op_at = self.pos;
        let word = self.peek_word();
        if word.is_empty() {
            return Err(self.error(format!("expected an operator after {attr}, found {}", self.found())));
        }
        self.pos += word.len();
        if word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(attr));
        }
        let op = CompareOp::parse(word).ok_or_else(|| {
            self.error_at(op_at, format!("{word:?} is not an operator (eq ne co sw ew gt ge lt le pr)"))
        })?;
        let value = self.value()?;
        Ok(Filter::Compare(attr, op, value))
    }

    /// `[urn:]name[.sub]`.
    fn attr_path(&mut self) -> Result<AttrPath, FilterError> {
        self.skip_spaces();
        let start = self.pos;
        let word = self.peek_word();
        if word.is_empty() {
            return Err(self.error(format!("expected an attribute, found {}", self.found())));
        }
        self.pos += word.len();
        let (urn, local) = match word.rfind(':') {
            Some(i) => (Some(word[..i].to_owned()), &word[i + 1..]),
            None => (None, word),
        };
        // A URN holds dots ("…:2.0:User"); the name after its last colon holds at most one.
        let (name, sub) = match local.split_once('.') {
            Some((name, sub)) => (name, Some(sub)),
            None => (local, None),
        };
        for part in std::iter::once(name).chain(sub) {
            if !is_name(part) {
                return Err(self.error_at(start, format!("{word:?} is not an attribute name")));
            }
        }
        Ok(AttrPath { urn, name: name.to_owned(), sub: sub.map(str::to_owned) })
    }

    fn name(&mut self) -> Result<String, FilterError> {
        let start = self.pos;
        let word = self.peek_word();
        self.pos += word.len();
        if is_name(word) { Ok(word.to_owned()) } else { Err(self.error_at(start, "expected a sub-attribute name")) }
    }

    /// A JSON literal: a string, a number, `true`, `false` or `null`.
    fn value(&mut self) -> Result<Value, FilterError> {
        self.skip_spaces();
        let start = self.pos;
        let rest = self.rest();
        if rest.starts_with('"') {
            let mut escaped = false;
            let end = rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| {
                    let closes = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    closes
                })
                .map(|(i, _)| i + 1)
                .ok_or_else(|| self.error("a string without its closing quote"))?;
            let text: String = serde_json::from_str(&rest[..end])
                .map_err(|e| self.error_at(start, format!("not a JSON string: {e}")))?;
            self.pos += end;
            return Ok(Value::Str(text));
        }
        let word = self.peek_word();
        let value = match word.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "" => return Err(self.error(format!("expected a value, found {}", self.found()))),
            _ => match word.parse::<f64>() {
                Ok(n) if n.is_finite() && word.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => {
                    Value::Number(n)
                }
                _ => {
                    return Err(self.error_at(
                        start,
                        format!("{word:?} is not a value (a quoted string, a number, true, false or null)"),
                    ));
                }
            },
        };
        self.pos += word.len();
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str) -> AttrPath {
        match name.split_once('.') {
            Some((n, s)) => AttrPath { urn: None, name: n.into(), sub: Some(s.into()) },
            None => AttrPath { urn: None, name: name.into(), sub: None },
        }
    }

    fn eq(name: &str, v: &str) -> Filter {
        Filter::Compare(attr(name), CompareOp::Eq, Value::Str(v.into()))
    }

    #[test]
    fn the_rfc_examples_parse() {
        let ok = [
            r#"userName Eq "john""#,
            r#"name.familyName co "O'Malley""#,
            r#"userName sw "J""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            "title pr",
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            r#"title pr and userType eq "Employee""#,
            r#"title pr or userType eq "Intern""#,
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            "active eq true",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"",
        ];
        for text in ok {
            parse_filter(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        let f = parse_filter(r#"a eq "1" or b eq "2" and c eq "3""#).unwrap();
        assert_eq!(
            f,
            Filter::Or(Box::new(eq("a", "1")), Box::new(Filter::And(Box::new(eq("b", "2")), Box::new(eq("c", "3")))))
        );
        let f = parse_filter(r#"(a eq "1" or b eq "2") AND c eq "3""#).unwrap();
        assert_eq!(
            f,
            Filter::And(Box::new(Filter::Or(Box::new(eq("a", "1")), Box::new(eq("b", "2")))), Box::new(eq("c", "3")))
        );
        let f = parse_filter(r#"not (a eq "1")"#).unwrap();
        assert_eq!(f, Filter::Not(Box::new(eq("a", "1"))));
    }

    #[test]
    fn values_are_json_literals() {
        let f = parse_filter(r#"name.formatted eq "Ann \"Q\" O\u2019Neil\\""#).unwrap();
        assert_eq!(f, eq("name.formatted", "Ann \"Q\" O\u{2019}Neil\\"));
        assert_eq!(parse_filter("x gt 10.5").unwrap(), Filter::Compare(attr("x"), CompareOp::Gt, Value::Number(10.5)));
        assert_eq!(parse_filter("x eq null").unwrap(), Filter::Compare(attr("x"), CompareOp::Eq, Value::Null));
        assert_eq!(
            parse_filter("active eq False").unwrap(),
            Filter::Compare(attr("active"), CompareOp::Eq, Value::Bool(false))
        );
        // A word with a space inside quotes, and an operator-looking word as a value.
        assert_eq!(parse_filter(r#"userName eq "a and b""#).unwrap(), eq("userName", "a and b"));
    }

    #[test]
    fn the_urn_is_kept_apart_from_the_name() {
        let Filter::Compare(a, ..) =
            parse_filter(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "x""#).unwrap()
        else {
            panic!()
        };
        assert_eq!(a.urn.as_deref(), Some("urn:ietf:params:scim:schemas:core:2.0:User"));
        assert!(a.is("NAME", Some("givenname")));
    }

    #[test]
    fn bad_filters_say_where_and_what() {
        let bad = [
            ("", 0, "expected an attribute"),
            ("userName", 8, "expected an operator"),
            ("userName eq", 11, "expected a value"),
            (r#"userName like "x""#, 9, "\"like\" is not an operator"),
            (r#"userName eq "x"#, 12, "closing quote"),
            (r#"userName eq x"#, 12, "\"x\" is not a value"),
            (r#"(userName eq "x""#, 16, "expected \")\""),
            (r#"userName eq "x")"#, 15, "unexpected"),
            (r#"not userName eq "x""#, 4, "after not"),
            (r#"a eq "1" and"#, 12, "expected an attribute"),
            (r#"1abc eq "x""#, 0, "not an attribute name"),
            (r#"emails[type eq "work""#, 21, "expected \"]\""),
            (r#"emails[value[type eq "x"] pr]"#, 7, "cannot hold another"),
            (r#"emails[type eq "work"] and (ims[type eq "x"] or x pr)"#, usize::MAX, ""),
        ];
        for (text, at, says) in bad {
            if at == usize::MAX {
                parse_filter(text).unwrap_or_else(|e| panic!("{text}: {e}"));
                continue;
            }
            let e = parse_filter(text).expect_err(text);
            assert_eq!(e.at, at, "{text}: {e}");
            assert!(e.message.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn length_and_depth_are_bounded() {
        let deep = format!("{}a pr{}", "(".repeat(40), ")".repeat(40));
        assert!(parse_filter(&deep).unwrap_err().message.contains("deeper"));
        let nots = format!("{}a pr{}", "not (".repeat(40), ")".repeat(40));
        assert!(parse_filter(&nots).unwrap_err().message.contains("deeper"));
        let long = format!("a eq \"{}\"", "x".repeat(MAX_FILTER_LEN));
        assert!(parse_filter(&long).unwrap_err().message.contains("longer"));
    }

    #[test]
    fn patch_paths() {
        let p = parse_path(r#"emails[type eq "work"].value"#).unwrap();
        assert!(p.attr.is("emails", None));
        assert_eq!(p.filter, Some(eq("type", "work")));
        assert_eq!(p.sub.as_deref(), Some("value"));
        let p = parse_path(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#).unwrap();
        assert!(p.attr.is("members", None) && p.sub.is_none());
        let p = parse_path("name.familyName").unwrap();
        assert!(p.attr.is("name", Some("familyName")) && p.filter.is_none());
        let p = parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department").unwrap();
        assert!(p.attr.is("department", None));
        assert!(parse_path(r#"name.givenName[value eq "x"]"#).is_err());
        assert!(parse_path(r#"emails[type eq "work"]."#).is_err());
        assert!(parse_path("emails extra").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_fails_without_panicking(text in "\\PC{0,80}") {
            let _ = parse_filter(&text);
            let _ = parse_path(&text);
        }

        #[test]
        fn generated_filters_parse(
            names in proptest::collection::vec("[a-zA-Z][a-zA-Z0-9]{0,8}", 1..5),
            values in proptest::collection::vec("[^\"\\\\]{0,10}", 1..5),
            ors in proptest::collection::vec(proptest::bool::ANY, 1..5),
        ) {
            let mut text = String::new();
            for (i, (name, value)) in names.iter().zip(&values).enumerate() {
                if i > 0 {
                    text += if ors[i % ors.len()] { " or " } else { " and " };
                }
                text += &format!("{name} eq {}", serde_json::to_string(value).unwrap());
            }
            proptest::prop_assert!(parse_filter(&text).is_ok(), "{}", text);
        }
    }
}
