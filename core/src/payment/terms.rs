//! Payment terms for business customers: when an order's money is due
//! (net N days), and plans that split it into a deposit and installments.
//! Every split goes through [`crate::allocate`], so the parts always add up
//! to the total exactly; payments settle the oldest part first. Pure: the
//! caller passes the dates and the time.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money::{allocate, Money};
use crate::pricing::Timestamp;

const DAY_MS: i64 = 86_400_000;

/// Installments one plan holds at most.
pub const MAX_INSTALLMENTS: u16 = 120;

/// When an invoice is due after it is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentTerms {
    /// Due when issued.
    DueOnReceipt,
    /// Due `days` days after issue ("net 30").
    Net {
        /// Days.
        days: u16,
    },
}

impl PaymentTerms {
    /// When something issued at `issued` is due.
    pub fn due(self, issued: Timestamp) -> Timestamp {
        match self {
            PaymentTerms::DueOnReceipt => issued,
            PaymentTerms::Net { days } => Timestamp(issued.0 + i64::from(days) * DAY_MS),
        }
    }
}

/// How a total is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plan {
    /// One payment, due under the terms.
    Single,
    /// A deposit of `basis_points` / 10,000 of the total, due under the
    /// terms, then the rest in `installments` equal parts (to the cent),
    /// one every `every_days` days after it. `basis_points` 0 means no
    /// deposit.
    Installments {
        /// The deposit's share, in hundredths of a percent (0..=10,000).
        basis_points: u16,
        /// Parts after the deposit (1..=[`MAX_INSTALLMENTS`]).
        installments: u16,
        /// Days between parts (1 or more).
        every_days: u16,
    },
}

/// Where one part stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartStatus {
    /// Paid in full.
    Paid,
    /// Not (fully) paid, due date not yet passed.
    Open,
    /// Not (fully) paid after its due date.
    Overdue,
}

/// One part of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// What is due.
    pub amount: Money,
    /// When.
    pub due: Timestamp,
    /// What has been paid towards it.
    pub paid: Money,
    /// True for a deposit.
    pub deposit: bool,
}

/// What is owed, part by part, oldest first.
///
/// # Examples
///
/// ```
/// use kassa::payment::{PaymentTerms, Plan, Schedule};
/// use kassa::pricing::Timestamp;
/// use kassa::{Currency, Money};
///
/// let total = Money::parse("100.00", Currency::EUR)?;
/// let plan = Plan::Installments { basis_points: 0, installments: 3, every_days: 30 };
/// let s = Schedule::new(total, Timestamp(0), PaymentTerms::Net { days: 30 }, plan)?;
/// let parts: Vec<String> = s.parts.iter().map(|p| p.amount.to_string()).collect();
/// assert_eq!(parts, ["33.34", "33.33", "33.33"]);
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// The parts, in due order.
    pub parts: Vec<Part>,
}

fn invalid(value: impl ToString, reason: &'static str) -> Error {
    Error::InvalidQuantity {
        value: value.to_string(),
        reason,
    }
}

impl Schedule {
    /// `total` issued at `issued`, due under `terms`, split by `plan`.
    ///
    /// # Errors
    ///
    /// `invalid_amount` for a negative total; `invalid_quantity` for a
    /// deposit share above 10,000 basis points, 0 or more than
    /// [`MAX_INSTALLMENTS`] installments, or 0 days between them.
    pub fn new(
        total: Money,
        issued: Timestamp,
        terms: PaymentTerms,
        plan: Plan,
    ) -> Result<Schedule> {
        if total.is_negative() {
            return Err(Error::InvalidAmount {
                value: total.to_string(),
                reason: "a schedule needs a total of 0 or more",
            });
        }
        let first = terms.due(issued);
        let zero = Money::zero(total.currency());
        let part = |amount, due, deposit| Part {
            amount,
            due,
            paid: zero,
            deposit,
        };
        let (basis_points, installments, every_days) = match plan {
            Plan::Single => {
                return Ok(Schedule {
                    parts: vec![part(total, first, false)],
                })
            }
            Plan::Installments {
                basis_points,
                installments,
                every_days,
            } => (basis_points, installments, every_days),
        };
        if basis_points > 10_000 {
            return Err(invalid(
                basis_points,
                "a deposit share is 0 to 10000 basis points",
            ));
        }
        if installments == 0 || installments > MAX_INSTALLMENTS {
            return Err(invalid(installments, "installments are 1 to 120"));
        }
        if every_days == 0 {
            return Err(invalid(
                every_days,
                "days between installments are 1 or more",
            ));
        }
        let split = allocate(
            total,
            &[u64::from(basis_points), u64::from(10_000 - basis_points)],
        )?;
        let mut parts = Vec::with_capacity(usize::from(installments) + 1);
        let mut due = first;
        if basis_points > 0 {
            parts.push(part(split[0], first, true));
            due = Timestamp(first.0 + i64::from(every_days) * DAY_MS);
        }
        let rest = allocate(split[1], &vec![1; usize::from(installments)])?;
        for amount in rest {
            parts.push(part(amount, due, false));
            due = Timestamp(due.0 + i64::from(every_days) * DAY_MS);
        }
        Ok(Schedule { parts })
    }

    /// What is still owed.
    ///
    /// # Errors
    ///
    /// Money overflow (not for amounts a schedule can hold).
    pub fn outstanding(&self) -> Result<Money> {
        let mut owed = Money::zero(self.currency());
        for p in &self.parts {
            owed = owed.checked_add(p.amount.checked_sub(p.paid)?)?;
        }
        Ok(owed)
    }

    fn currency(&self) -> crate::money::Currency {
        self.parts
            .first()
            .map_or(crate::money::Currency::EUR, |p| p.amount.currency())
    }

    /// Each part's status at `now`.
    pub fn statuses(&self, now: Timestamp) -> Vec<PartStatus> {
        self.parts
            .iter()
            .map(|p| {
                if p.paid == p.amount {
                    PartStatus::Paid
                } else if p.due < now {
                    PartStatus::Overdue
                } else {
                    PartStatus::Open
                }
            })
            .collect()
    }

    /// True when some part is overdue at `now`.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.statuses(now).contains(&PartStatus::Overdue)
    }

    /// Records a payment of `amount`, settling the oldest open parts
    /// first.
    ///
    /// # Errors
    ///
    /// `currency_mismatch`; `invalid_amount` for a payment of 0 or less
    /// or above what is owed (nothing changes).
    pub fn pay(&mut self, amount: Money) -> Result<()> {
        let owed = self.outstanding()?;
        if amount.currency() != owed.currency() {
            return Err(Error::CurrencyMismatch {
                expected: owed.currency(),
                found: amount.currency(),
            });
        }
        if amount.minor_units() <= 0 || amount.minor_units() > owed.minor_units() {
            return Err(Error::InvalidAmount {
                value: amount.to_string(),
                reason: "a payment is more than 0 and at most what is owed",
            });
        }
        let mut left = amount;
        for p in &mut self.parts {
            let open = p.amount.checked_sub(p.paid)?;
            let take = if left.minor_units() < open.minor_units() {
                left
            } else {
                open
            };
            p.paid = p.paid.checked_add(take)?;
            left = left.checked_sub(take)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn eur(s: &str) -> Money {
        Money::parse(s, Currency::EUR).unwrap()
    }

    const DAY: i64 = DAY_MS;

    #[test]
    fn plans_split_exactly_and_date_each_part() {
        // (total, terms, plan, expected parts as (amount, due day, deposit))
        type Case = (
            &'static str,
            PaymentTerms,
            Plan,
            &'static [(&'static str, i64, bool)],
        );
        let cases: &[Case] = &[
            (
                "100.00",
                PaymentTerms::DueOnReceipt,
                Plan::Single,
                &[("100.00", 0, false)],
            ),
            (
                "100.00",
                PaymentTerms::Net { days: 30 },
                Plan::Single,
                &[("100.00", 30, false)],
            ),
            (
                "100.01",
                PaymentTerms::Net { days: 10 },
                Plan::Installments {
                    basis_points: 3_000,
                    installments: 2,
                    every_days: 30,
                },
                // 30 % of 100.01 is 30.003: 30.00, then 70.01 in two.
                &[
                    ("30.00", 10, true),
                    ("35.01", 40, false),
                    ("35.00", 70, false),
                ],
            ),
            (
                "0.05",
                PaymentTerms::DueOnReceipt,
                Plan::Installments {
                    basis_points: 0,
                    installments: 3,
                    every_days: 7,
                },
                &[("0.02", 0, false), ("0.02", 7, false), ("0.01", 14, false)],
            ),
            (
                "50.00",
                PaymentTerms::DueOnReceipt,
                Plan::Installments {
                    basis_points: 10_000,
                    installments: 1,
                    every_days: 1,
                },
                &[("50.00", 0, true), ("0.00", 1, false)],
            ),
        ];
        for (total, terms, plan, expected) in cases {
            let s = Schedule::new(eur(total), Timestamp(0), *terms, *plan).unwrap();
            let got: Vec<(String, i64, bool)> = s
                .parts
                .iter()
                .map(|p| (p.amount.to_string(), p.due.0 / DAY, p.deposit))
                .collect();
            let want: Vec<(String, i64, bool)> = expected
                .iter()
                .map(|&(a, d, dep)| (a.to_string(), d, dep))
                .collect();
            assert_eq!(got, want, "{total} {plan:?}");
            assert_eq!(
                s.outstanding().unwrap(),
                eur(total),
                "parts add up to {total}"
            );
        }
    }

    #[test]
    fn bad_plans_are_refused() {
        let t = eur("10.00");
        for plan in [
            Plan::Installments {
                basis_points: 10_001,
                installments: 1,
                every_days: 1,
            },
            Plan::Installments {
                basis_points: 0,
                installments: 0,
                every_days: 1,
            },
            Plan::Installments {
                basis_points: 0,
                installments: 121,
                every_days: 1,
            },
            Plan::Installments {
                basis_points: 0,
                installments: 2,
                every_days: 0,
            },
        ] {
            let err = Schedule::new(t, Timestamp(0), PaymentTerms::DueOnReceipt, plan).unwrap_err();
            assert_eq!(err.code(), "invalid_quantity", "{plan:?}");
        }
        let negative = Schedule::new(
            eur("-1.00"),
            Timestamp(0),
            PaymentTerms::DueOnReceipt,
            Plan::Single,
        );
        assert_eq!(negative.unwrap_err().code(), "invalid_amount");
    }

    #[test]
    fn payments_settle_the_oldest_parts_and_overdue_follows_the_dates() {
        let plan = Plan::Installments {
            basis_points: 0,
            installments: 3,
            every_days: 30,
        };
        let mut s = Schedule::new(
            eur("90.00"),
            Timestamp(0),
            PaymentTerms::Net { days: 30 },
            plan,
        )
        .unwrap();
        // Due on days 30, 60, 90.
        assert!(!s.is_overdue(Timestamp(30 * DAY)));
        assert!(s.is_overdue(Timestamp(31 * DAY)));
        s.pay(eur("40.00")).unwrap();
        assert_eq!(
            s.statuses(Timestamp(61 * DAY)),
            [PartStatus::Paid, PartStatus::Overdue, PartStatus::Open]
        );
        assert_eq!(s.parts[1].paid, eur("10.00"));
        let before = s.clone();
        for bad in ["0.00", "50.01"] {
            assert_eq!(s.pay(eur(bad)).unwrap_err().code(), "invalid_amount");
        }
        let usd = Money::parse("1.00", Currency::USD).unwrap();
        assert_eq!(s.pay(usd).unwrap_err().code(), "currency_mismatch");
        assert_eq!(s, before, "refused payments change nothing");
        s.pay(eur("50.00")).unwrap();
        assert!(s.outstanding().unwrap().is_zero());
        assert!(!s.is_overdue(Timestamp(1_000 * DAY)));
    }
}
