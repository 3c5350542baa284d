//! The text of a guarded statement (see `optimistic.rs`), shaped by what
//! the write holds: only the `WITH` entries it needs.
//!
//! Every `WITH` entry costs the server on every call even when its rows
//! are none: the executor opens its table and the table's indexes, sets
//! up its scan and counts its rows. A reservation writes no order and
//! takes no reservation; a placement inserts none. So each write names
//! its [`Shape`], and the statement of that shape has exactly those
//! entries, its parameters numbered in order. The texts are built once
//! per process and shape (at most 256), then prepared once per
//! connection like every other statement of this store.
//!
//! Rows are inserted plainly, not `ON CONFLICT DO NOTHING` as the
//! locking path does: a reservation id, document or cart's order already
//! stored fails the statement whole with `unique_violation`, which the
//! caller takes as it takes the guard (decide again under row locks).
//! Checking for a conflict before each insert (a speculative insertion)
//! costs the server an index probe and a WAL record per row.

use std::sync::OnceLock;

use crate::columns::{
    documents_insert_cte, documents_update_cte, order_carts_cte, reservations_insert_cte,
    stock_update_cte,
};
use crate::documents::take_number;
use crate::events::append_events_cte;

/// A statement parameter.
pub(crate) type Param<'p> = &'p (dyn postgres::types::ToSql + Sync);

/// A guarded statement being shaped: the entries added so far and their
/// parameters, in statement order.
#[derive(Default)]
pub(crate) struct Shaped<'p> {
    shape: Shape,
    params: Vec<Param<'p>>,
}

impl<'p> Shaped<'p> {
    /// Adds entry `part`, reading `columns`, when `present` (else the
    /// statement leaves it out). Entries are added in the order of
    /// [`PARTS`].
    pub(crate) fn part(&mut self, part: u8, present: bool, columns: &[Param<'p>]) -> &mut Self {
        if present {
            debug_assert!(self.shape.0 < part, "entries in the order of PARTS");
            self.shape = Shape(self.shape.0 | part);
            self.params.extend_from_slice(columns);
        }
        self
    }

    /// Adds entry `part`, reading `columns` and guarded by `wanted` (the
    /// rows it must write), when it writes any (none: the statement
    /// leaves it out).
    pub(crate) fn counted(
        &mut self,
        part: u8,
        wanted: &'p i64,
        columns: &[Param<'p>],
    ) -> &mut Self {
        if *wanted > 0 {
            self.part(part, true, columns);
            self.params.push(wanted);
        }
        self
    }

    /// The statement of the entries added, and its parameters.
    pub(crate) fn statement(&self) -> (&'static str, &[Param<'p>]) {
        debug_assert_eq!(self.params.len(), self.shape.params());
        (self.shape.sql(), &self.params)
    }
}

/// The `WITH` entries of a guarded statement, one bit each (see
/// [`PARTS`] for each entry's SQL and parameters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shape(u8);

/// One `WITH` entry of a guarded statement: its bit, its SQL, the number
/// of its first parameter in that SQL, how many parameters it reads, and
/// the entry whose rows the guard counts (compared with one more
/// parameter, after the entry's own).
struct Part {
    bit: u8,
    sql: &'static str,
    first: usize,
    params: usize,
    counted: Option<&'static str>,
}

impl Shape {
    /// `num`: the next number of a sequence taken (2 parameters:
    /// collection and name); the statement returns it.
    pub(crate) const NUMBER: u8 = 1;
    /// `s`: stock rows updated from their read versions.
    pub(crate) const STOCK: u8 = 1 << 1;
    /// `r`: reservations inserted.
    pub(crate) const RESERVE: u8 = 1 << 2;
    /// `e`: outbox events appended.
    pub(crate) const EVENTS: u8 = 1 << 3;
    /// `n`: new documents inserted.
    pub(crate) const INSERT: u8 = 1 << 4;
    /// `o`: stored documents updated from their expected versions.
    pub(crate) const UPDATE: u8 = 1 << 5;
    /// `k`: carts recorded as having their one order.
    pub(crate) const ORDERS: u8 = 1 << 6;
    /// `t`: open reservations taken (deleted).
    pub(crate) const TAKE: u8 = 1 << 7;

    /// Whether the shape has `part`.
    pub(crate) fn has(self, part: u8) -> bool {
        self.0 & part != 0
    }

    /// The statement of this shape: its `WITH` entries in the order of
    /// [`PARTS`], each entry's parameters then (when counted) its wanted
    /// row count; it ends `SELECT kassa_require(<every count as
    /// wanted>), <the number taken, or NULL>`.
    pub(crate) fn sql(self) -> &'static str {
        static TEXTS: [OnceLock<String>; 256] = [const { OnceLock::new() }; 256];
        TEXTS[usize::from(self.0)].get_or_init(|| self.build())
    }

    /// The number of parameters of [`Shape::sql`].
    pub(crate) fn params(self) -> usize {
        PARTS
            .iter()
            .filter(|p| self.has(p.bit))
            .map(|p| p.params + usize::from(p.counted.is_some()))
            .sum()
    }

    fn build(self) -> String {
        let mut ctes = Vec::new();
        let mut checks = Vec::new();
        let mut next = 1;
        for part in PARTS.iter().filter(|p| self.has(p.bit)) {
            // Inserted plainly: a row already there fails the statement
            // whole (`unique_violation`), as the guard does.
            let sql = part.sql.replace(" ON CONFLICT DO NOTHING", "");
            ctes.push(renumbered(&sql, part.first, next));
            next += part.params;
            if let Some(name) = part.counted {
                checks.push(format!("(SELECT count(*) FROM {name}) = ${next}"));
                next += 1;
            }
        }
        let guard = if checks.is_empty() {
            "TRUE".to_owned()
        } else {
            checks.join(" AND ")
        };
        let number = if self.has(Shape::NUMBER) {
            "(SELECT number FROM num)"
        } else {
            "NULL::BIGINT"
        };
        let with = if ctes.is_empty() {
            String::new()
        } else {
            format!("WITH {} ", ctes.join(", "))
        };
        format!("{with}SELECT kassa_require({guard}), {number}")
    }
}

/// The entries in statement order.
const PARTS: [Part; 8] = [
    Part {
        bit: Shape::NUMBER,
        sql: concat!("num AS (", take_number!("$1", "$2"), ")"),
        first: 1,
        params: 2,
        counted: None,
    },
    Part {
        bit: Shape::STOCK,
        sql: stock_update_cte!(),
        first: 1,
        params: 12,
        counted: Some("s"),
    },
    Part {
        bit: Shape::RESERVE,
        sql: reservations_insert_cte!(),
        first: 13,
        params: 5,
        counted: Some("r"),
    },
    Part {
        bit: Shape::EVENTS,
        sql: append_events_cte!("$1", "$2", "$3", "TRUE"),
        first: 1,
        params: 3,
        counted: None,
    },
    Part {
        bit: Shape::INSERT,
        sql: documents_insert_cte!("$1", "$2", "$3", "$4"),
        first: 1,
        params: 4,
        counted: Some("n"),
    },
    Part {
        bit: Shape::UPDATE,
        sql: documents_update_cte!("$1", "$2", "$3", "$4", "$5"),
        first: 1,
        params: 5,
        counted: Some("o"),
    },
    Part {
        bit: Shape::ORDERS,
        sql: order_carts_cte!("$1", "$2"),
        first: 1,
        params: 2,
        counted: Some("k"),
    },
    Part {
        bit: Shape::TAKE,
        sql: "t AS (DELETE FROM reservations WHERE id = ANY($1::BYTEA[]) RETURNING 1)",
        first: 1,
        params: 1,
        counted: Some("t"),
    },
];

/// `sql` with every parameter `$k` renamed `$(k - first + to)`.
fn renumbered(sql: &str, first: usize, to: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(k) => out.push_str(&(k + to - first).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::{renumbered, Shape};

    /// The parameter numbers `sql` names, in order of first use.
    fn numbers(sql: &str) -> std::collections::BTreeSet<usize> {
        sql.split('$')
            .skip(1)
            .filter_map(|s| {
                let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect()
    }

    #[test]
    fn parameters_are_renumbered_from_the_first() {
        assert_eq!(
            renumbered("a = $13 AND b = $14", 13, 3),
            "a = $3 AND b = $4"
        );
        assert_eq!(renumbered("x($1, $2) $10", 1, 21), "x($21, $22) $30");
        assert_eq!(renumbered("no parameters", 1, 5), "no parameters");
        assert_eq!(renumbered("a $ b", 1, 5), "a $ b");
    }

    #[test]
    fn every_shape_numbers_its_parameters_one_to_n() {
        for bits in 0..=255u8 {
            let shape = Shape(bits);
            let sql = shape.sql();
            let wanted: std::collections::BTreeSet<usize> = (1..=shape.params()).collect();
            assert_eq!(numbers(sql), wanted, "shape {bits:#010b}: {sql}");
            assert!(!sql.contains("DO NOTHING"), "shape {bits:#010b}: {sql}");
        }
    }

    #[test]
    fn a_shape_has_only_its_entries() {
        let reserve =
            Shape(Shape::NUMBER | Shape::STOCK | Shape::RESERVE | Shape::EVENTS | Shape::INSERT);
        let sql = reserve.sql();
        for present in ["num AS (", "s AS (", "r AS (", "e AS (", "n AS ("] {
            assert!(sql.contains(present), "{present} in {sql}");
        }
        for absent in [
            "o AS (", "k AS (", "t AS (", "FROM o)", "FROM k)", "FROM t)",
        ] {
            assert!(!sql.contains(absent), "{absent} in {sql}");
        }
        assert!(sql.ends_with("(SELECT number FROM num)"), "{sql}");
        assert!(!sql.contains("DO NOTHING"), "{sql}");
        assert!(
            sql.contains("ON CONFLICT (collection, id) DO UPDATE"),
            "{sql}"
        );
        assert_eq!(reserve.params(), 2 + 13 + 6 + 3 + 5);
        assert_eq!(
            Shape::default().sql(),
            "SELECT kassa_require(TRUE), NULL::BIGINT"
        );
    }
}
