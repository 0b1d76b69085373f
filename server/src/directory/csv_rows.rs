//! CSV files of people: UTF-8 with or without a BOM, header names compared without case
//! or spaces, ISO dates, card numbers and PINs kept as the strings they are. Lists inside
//! a cell (access groups, cards, job codes, computer usernames) are separated by `;`.

use crate::error::ApiError;
use proto::api::user::{CardInput, NewUser};
use proto::domain::{FieldError, JobCodeEntry, PersonFields, Problem, Tag};
use std::sync::Arc;

pub use proto::api::import::{COLUMNS, known_column};

/// One data row: its line in the file and its cells, found through the file's columns.
#[derive(Clone)]
pub struct Row {
    pub line: usize,
    columns: Arc<[&'static str]>,
    /// All cells in one buffer, as read (a map per row cost ~35 MB for 100,000 rows).
    record: csv::StringRecord,
}

/// Only the line: a row may hold a PIN in clear.
impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row").field("line", &self.line).finish_non_exhaustive()
    }
}

/// A CSV file's columns, and its rows read again from the file whenever they are walked:
/// an import goes through them twice (checks, then batches) without ever holding them all.
#[derive(Debug)]
pub struct Table<'a> {
    pub columns: Vec<&'static str>,
    /// Headers of columns the import does not know, as written: their cells are ignored
    /// (one extra column never fails a whole import).
    pub ignored: Vec<String>,
    /// By position: the known column there, or "" for one that is ignored.
    positions: Arc<[&'static str]>,
    /// The file after its BOM.
    bytes: &'a [u8],
}

fn bad(message: String) -> ApiError {
    ApiError::bad_request(message).with_field("file")
}

/// Reads the header line of a CSV file.
pub fn parse(bytes: &[u8]) -> Result<Table<'_>, ApiError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = reader.headers().map_err(|e| bad(format!("file: the header line cannot be read: {e}")))?;
    let mut positions: Vec<&'static str> = Vec::new();
    let mut ignored = Vec::new();
    for h in headers.iter() {
        let Some(known) = known_column(h) else {
            ignored.push(h.trim().to_owned());
            positions.push("");
            continue;
        };
        if positions.contains(&known) {
            return Err(bad(format!("file: the column {known} appears twice")));
        }
        positions.push(known);
    }
    let columns: Vec<&'static str> = positions.iter().copied().filter(|c| !c.is_empty()).collect();
    Ok(Table { columns, ignored, positions: positions.into(), bytes })
}

impl Table<'_> {
    /// The data rows in file order, each read as it is reached; a line that is not CSV
    /// (or has another number of cells than the header) is an error naming it.
    pub fn rows(&self) -> impl Iterator<Item = Result<Row, ApiError>> + '_ {
        let reader = csv::ReaderBuilder::new().flexible(false).from_reader(self.bytes);
        reader.into_records().enumerate().map(|(i, record)| {
            let line = i + 2;
            let record = record.map_err(|e| bad(format!("file: line {line}: {e}")))?;
            Ok(Row { line, columns: self.positions.clone(), record })
        })
    }
}

/// First characters that make a spreadsheet read a cell as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Undoes the export's guard against spreadsheet formulas (`'=…` back to `=…`).
fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

fn list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty())
}

impl Row {
    /// A cell of a column present in the file (`Some("")` when empty).
    pub fn get(&self, column: &str) -> Option<&str> {
        let i = self.columns.iter().position(|c| *c == column)?;
        self.record.get(i).map(|v| unescape(v.trim()))
    }

    fn text(&self, column: &str) -> Option<Option<String>> {
        self.get(column).map(|v| (!v.is_empty()).then(|| v.to_owned()))
    }

    /// Applies the row's columns to `f`: a present cell sets its field, an empty one clears it.
    pub fn apply(&self, f: &mut PersonFields) -> Result<(), FieldError> {
        if let Some(name) = self.get("name") {
            f.name = name.to_owned();
        }
        for (column, field) in [
            ("first_name", &mut f.first_name),
            ("last_name", &mut f.last_name),
            ("email", &mut f.email),
            ("username", &mut f.username),
            ("phone", &mut f.phone),
            ("department", &mut f.department),
            ("title", &mut f.title),
            ("notes", &mut f.notes),
            ("system_id", &mut f.system_id),
            ("start_time", &mut f.start_time),
            ("end_time", &mut f.end_time),
        ] {
            if let Some(value) = self.text(column) {
                *field = value;
            }
        }
        if let Some(tag) = self.get("tag") {
            f.tag = if tag.is_empty() {
                Tag::User
            } else {
                Tag::parse(&tag.to_uppercase())
                    .ok_or_else(|| FieldError::new("tag", Problem::Invalid(format!("{tag:?} is not USER or GUEST"))))?
            };
        }
        if let Some(cell) = self.get("access_groups") {
            f.access_groups = proto::domain::person::parse_access_groups(cell)?;
        }
        if let Some(cell) = self.get("job_codes") {
            f.job_codes = list(cell)
                .map(|entry| {
                    let (code, label) = entry.split_once(':').unwrap_or((entry, ""));
                    let code = code.trim().parse::<u32>().map_err(|_| {
                        FieldError::new("job_codes", Problem::Invalid(format!("{entry:?} is not code or code:label")))
                    })?;
                    Ok(JobCodeEntry { code, label: label.trim().to_owned() })
                })
                .collect::<Result<_, FieldError>>()?;
        }
        if let Some(level) = self.get("security_level") {
            f.security_level = if level.is_empty() {
                0
            } else {
                level.parse().map_err(|_| {
                    FieldError::new(
                        "security_level",
                        Problem::OutOfRange { value: level.into(), min: "0".into(), max: "5".into() },
                    )
                })?
            };
        }
        if let Some(cell) = self.get("computer_usernames") {
            f.computer_usernames = list(cell).map(str::to_owned).collect();
        }
        Ok(())
    }

    /// The cards column, if present (empty: no cards).
    pub fn cards(&self) -> Option<Vec<CardInput>> {
        self.get("cards").map(|cell| list(cell).map(|n| CardInput { number: n.to_owned(), label: None }).collect())
    }

    /// The PIN cell, if present and not empty.
    pub fn pin(&self) -> Option<String> {
        self.get("pin").filter(|p| !p.is_empty()).map(str::to_owned)
    }

    /// The row as a new person.
    pub fn new_user(&self) -> Result<NewUser, FieldError> {
        let mut fields = PersonFields::default();
        self.apply(&mut fields)?;
        Ok(NewUser {
            user_id: self.text("user_id").flatten(),
            fields,
            cards: self.cards().unwrap_or_default(),
            pin: self.pin().map(proto::api::PinText::new),
            allow_duplicates: false,
        })
    }
}

/// A CSV line from cells, quoted where needed.
pub fn line(cells: &[&str]) -> String {
    let mut out = String::new();
    push_line(&mut out, cells);
    out
}

/// Appends a CSV line to `out` (an export's page: no allocation per cell).
pub fn push_line(out: &mut String, cells: &[&str]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // A leading = + - @ (or a tab or CR before one) would be a formula in a
        // spreadsheet: keep it text.
        let formula = if cell.starts_with(FORMULA_STARTS) { "'" } else { "" };
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(formula);
            for part in cell.split_inclusive('"') {
                out.push_str(part);
                if part.ends_with('"') {
                    out.push('"');
                }
            }
            out.push('"');
        } else {
            out.push_str(formula);
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_bom_and_cells() {
        let file = "\u{FEFF} User ID ,Name,EMAIL,Cards,PIN,Access Groups,start-time\r\n00042,Ann Lee,Ann@Example.com,00123;0xAB,0012,1;2,2026-01-01\r\n";
        let table = parse(file.as_bytes()).unwrap();
        assert_eq!(table.columns, ["user_id", "name", "email", "cards", "pin", "access_groups", "start_time"]);
        let rows: Vec<Row> = table.rows().collect::<Result<_, _>>().unwrap();
        let new = rows[0].new_user().unwrap();
        assert_eq!(new.user_id.as_deref(), Some("00042"));
        assert_eq!(
            new.cards.iter().map(|c| c.number.as_str()).collect::<Vec<_>>(),
            ["00123", "0xAB"],
            "strings as given"
        );
        assert_eq!(new.pin.as_ref().map(|p| p.expose()), Some("0012"), "leading zeros kept");
        assert!(!format!("{:?}", rows[0]).contains("0012"), "a row's Debug shows no PIN");
        assert_eq!(new.fields.access_groups, [1, 2]);
        assert_eq!(rows[0].line, 2);
        let extra = parse(b"name, Shoe Size ,email\nAnn,9,ann@example.com\n").unwrap();
        let row = extra.rows().next().unwrap().unwrap();
        assert_eq!(row.get("email"), Some("ann@example.com"), "cells after an ignored column");
        assert_eq!((extra.columns, extra.ignored), (vec!["name", "email"], vec!["Shoe Size".to_owned()]));
        let broken = parse(b"name,email\nAnn,ann@example.com\nBob\n").unwrap();
        let lines: Vec<Result<usize, String>> =
            broken.rows().map(|r| r.map(|r| r.line).map_err(|e| e.message)).collect();
        assert_eq!(lines[0], Ok(2));
        assert!(lines[1].as_ref().is_err_and(|e| e.starts_with("file: line 3: ")), "{lines:?}");
    }

    #[test]
    fn export_lines_are_quoted_and_formula_safe() {
        assert_eq!(line(&["a,b", "say \"hi\"", "=1+1"]), "\"a,b\",\"say \"\"hi\"\"\",'=1+1\r\n");
        assert!(line(&["\t=1+1"]).starts_with("\"'\t") || line(&["\t=1+1"]).starts_with("'\t"), "a leading tab too");
    }
}
