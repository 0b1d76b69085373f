//! The first lines of a CSV file, as the console previews them before an import (RFC 4180: quoted
//! cells, doubled quotes, CRLF or LF). The server reads the whole file again.

/// The header and up to `rows` data rows.
pub fn preview(text: &str, rows: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Records { chars: text.chars().peekable() };
    let header = records.next().unwrap_or_default();
    (header, records.take(rows).collect())
}

struct Records<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Iterator for Records<'_> {
    type Item = Vec<String>;

    fn next(&mut self) -> Option<Vec<String>> {
        self.chars.peek()?;
        let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
        while let Some(c) = self.chars.next() {
            match (c, quoted) {
                ('"', true) if self.chars.peek() == Some(&'"') => {
                    self.chars.next();
                    cell.push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => cells.push(std::mem::take(&mut cell)),
                ('\r', false) => {}
                ('\n', false) => break,
                (c, _) => cell.push(c),
            }
        }
        cells.push(cell);
        Some(cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_commas_and_line_ends() {
        let (header, rows) = preview("\u{feff}name,notes\r\n\"Lovelace, Ada\",\"said \"\"hi\"\"\"\nBob,x\n", 5);
        assert_eq!(header, ["name", "notes"]);
        assert_eq!(rows, [vec!["Lovelace, Ada".to_owned(), "said \"hi\"".to_owned()], vec!["Bob".into(), "x".into()]]);
    }
}
