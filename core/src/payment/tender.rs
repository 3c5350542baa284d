//! Split tender: how a checkout's total is divided between the ways a
//! shopper pays (store credit, a gift card, a card). Pure: the caller
//! passes the total and the store-credit balance; the engine authorizes
//! each gateway part and spends the credit in the atomic placement step.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money::Money;

/// How one payment of an order was made.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Through the [`crate::payment::PaymentGateway`] (a card, a gift
    /// card, a bank transfer), under the host's `label` (empty: the
    /// shop's default method).
    Gateway {
        /// The host's name for the method (`card`, `gift_card`).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        label: String,
    },
    /// The customer's store credit; refunds of it go back to the credit.
    StoreCredit,
}

impl Default for PaymentMethod {
    fn default() -> Self {
        PaymentMethod::Gateway {
            label: String::new(),
        }
    }
}

impl PaymentMethod {
    /// Whether this is the shop's default gateway method.
    pub fn is_default(&self) -> bool {
        *self == PaymentMethod::default()
    }
}

/// One part of a split checkout total: how it is paid and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenderPart {
    /// How this part is paid.
    pub method: PaymentMethod,
    /// How much; always more than zero.
    pub amount: Money,
    /// Whether this is the gateway part that takes what the other
    /// tenders leave (the tender without an amount, or the one default
    /// payment when there are no tenders). Payment terms schedule this
    /// part: it is the money paid later.
    pub open: bool,
}

/// One way the shopper pays part of a checkout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tender {
    /// Through the gateway: `amount`, or whatever the other tenders leave
    /// (`None`; at most one gateway tender may leave it open).
    Gateway {
        /// The host's name for the method (`card`, `gift_card`), passed to
        /// the gateway with the authorization.
        label: String,
        /// The amount (`None`: the rest).
        amount: Option<Money>,
    },
    /// The customer's store credit: `amount`, or as much of the total as
    /// the balance covers after the fixed amounts (`None`).
    StoreCredit {
        /// The amount (`None`: what the balance covers).
        amount: Option<Money>,
    },
}

/// Divides `total` between `tenders` given the customer's store-credit
/// `balance`: fixed amounts first, then store credit without an amount
/// (up to the balance), then the gateway tender without an amount. Parts
/// of zero are dropped; the parts keep the tenders' order. No tenders
/// means one open payment of the whole total through the default gateway
/// method.
///
/// # Errors
///
/// `invalid_field` for two open gateway tenders or two store-credit
/// tenders; `invalid_amount` for a fixed amount that is not positive;
/// `currency_mismatch`; `insufficient_store_credit` when a fixed credit
/// amount exceeds the balance; `tender_mismatch` when the parts do not
/// add up to the total exactly.
///
/// # Examples
///
/// ```
/// use kassa::payment::{split_tenders, PaymentMethod, Tender};
/// use kassa::{Currency, Money};
///
/// let eur = |s| Money::parse(s, Currency::EUR).unwrap();
/// let tenders = [
///     Tender::Gateway { label: "gift_card".into(), amount: Some(eur("20.00")) },
///     Tender::StoreCredit { amount: None },
///     Tender::Gateway { label: "card".into(), amount: None },
/// ];
/// let parts = split_tenders(eur("100.00"), &tenders, eur("15.50"))?;
/// let amounts: Vec<String> = parts.iter().map(|p| p.amount.to_string()).collect();
/// assert_eq!(amounts, ["20.00", "15.50", "64.50"]);
/// assert_eq!(parts[1].method, PaymentMethod::StoreCredit);
/// // The card takes the rest: the part payment terms would schedule.
/// assert_eq!(parts.iter().map(|p| p.open).collect::<Vec<_>>(), [false, false, true]);
/// # Ok::<(), kassa::Error>(())
/// ```
pub fn split_tenders(total: Money, tenders: &[Tender], balance: Money) -> Result<Vec<TenderPart>> {
    let currency = total.currency();
    if tenders.is_empty() {
        return Ok(vec![TenderPart {
            method: PaymentMethod::default(),
            amount: total,
            open: true,
        }]);
    }
    let open_gateways = tenders
        .iter()
        .filter(|t| matches!(t, Tender::Gateway { amount: None, .. }))
        .count();
    let credits = tenders
        .iter()
        .filter(|t| matches!(t, Tender::StoreCredit { .. }))
        .count();
    if open_gateways > 1 || credits > 1 {
        return Err(crate::catalog::limits::invalid(
            "checkout",
            "tenders",
            "at most one gateway tender without an amount and one store-credit tender".into(),
        ));
    }
    let mut amounts: Vec<Option<Money>> = Vec::with_capacity(tenders.len());
    let mut fixed = Money::zero(currency);
    for tender in tenders {
        let amount = match tender {
            Tender::Gateway { amount, .. } | Tender::StoreCredit { amount } => *amount,
        };
        if let Some(a) = amount {
            if a.currency() != currency {
                return Err(Error::CurrencyMismatch {
                    expected: currency,
                    found: a.currency(),
                });
            }
            if a.minor_units() <= 0 {
                return Err(Error::InvalidAmount {
                    value: a.to_string(),
                    reason: "a tender's amount must be greater than zero",
                });
            }
            if matches!(tender, Tender::StoreCredit { .. })
                && a.minor_units() > balance.minor_units()
            {
                return Err(Error::InsufficientStoreCredit {
                    requested: a.to_string(),
                    balance: balance.to_string(),
                });
            }
            fixed = fixed.checked_add(a)?;
        }
        amounts.push(amount);
    }
    let mismatch = |tendered: Money| Error::TenderMismatch {
        total: total.to_string(),
        tendered: tendered.to_string(),
    };
    if fixed.minor_units() > total.minor_units() {
        return Err(mismatch(fixed));
    }
    let mut rest = total.checked_sub(fixed)?;
    for (tender, amount) in tenders.iter().zip(amounts.iter_mut()) {
        if let (Tender::StoreCredit { amount: None }, None) = (tender, &amount) {
            let take = if balance.minor_units() < rest.minor_units() {
                balance
            } else {
                rest
            };
            let take = if take.minor_units() < 0 {
                Money::zero(currency)
            } else {
                take
            };
            rest = rest.checked_sub(take)?;
            *amount = Some(take);
        }
    }
    for (tender, amount) in tenders.iter().zip(amounts.iter_mut()) {
        if let (Tender::Gateway { amount: None, .. }, None) = (tender, &amount) {
            *amount = Some(rest);
            rest = Money::zero(currency);
        }
    }
    if !rest.is_zero() {
        return Err(mismatch(total.checked_sub(rest)?));
    }
    Ok(tenders
        .iter()
        .zip(amounts)
        .filter_map(|(tender, amount)| {
            let amount = amount.filter(|a| a.minor_units() > 0)?;
            let (method, open) = match tender {
                Tender::Gateway { label, amount } => (
                    PaymentMethod::Gateway {
                        label: label.clone(),
                    },
                    amount.is_none(),
                ),
                Tender::StoreCredit { .. } => (PaymentMethod::StoreCredit, false),
            };
            Some(TenderPart {
                method,
                amount,
                open,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn eur(s: &str) -> Money {
        Money::parse(s, Currency::EUR).unwrap()
    }

    fn card(amount: Option<&str>) -> Tender {
        Tender::Gateway {
            label: "card".into(),
            amount: amount.map(eur),
        }
    }

    fn credit(amount: Option<&str>) -> Tender {
        Tender::StoreCredit {
            amount: amount.map(eur),
        }
    }

    fn split(total: &str, tenders: &[Tender], balance: &str) -> Result<Vec<String>> {
        Ok(split_tenders(eur(total), tenders, eur(balance))?
            .into_iter()
            .map(|p| {
                let a = p.amount;
                let open = if p.open { " (open)" } else { "" };
                match p.method {
                    PaymentMethod::StoreCredit => format!("credit {a}{open}"),
                    PaymentMethod::Gateway { label } => format!("{label} {a}{open}"),
                }
            })
            .collect())
    }

    /// Total, tenders, store-credit balance, and the parts or the code.
    type Case = (
        &'static str,
        Vec<Tender>,
        &'static str,
        std::result::Result<Vec<&'static str>, &'static str>,
    );

    #[test]
    fn splits_are_exact_or_refused_with_a_code() {
        let gift = Tender::Gateway {
            label: "gift".into(),
            amount: Some(eur("30.00")),
        };
        let cases: Vec<Case> = vec![
            ("50.00", vec![], "0.00", Ok(vec![" 50.00 (open)"])),
            (
                "50.00",
                vec![credit(None), card(None)],
                "20.00",
                Ok(vec!["credit 20.00", "card 30.00 (open)"]),
            ),
            (
                "50.00",
                vec![credit(None), card(None)],
                "80.00",
                Ok(vec!["credit 50.00"]),
            ),
            (
                "50.00",
                vec![credit(None), card(None)],
                "0.00",
                Ok(vec!["card 50.00 (open)"]),
            ),
            (
                "50.00",
                vec![gift.clone(), card(None)],
                "0.00",
                Ok(vec!["gift 30.00", "card 20.00 (open)"]),
            ),
            (
                "50.00",
                vec![card(None), gift.clone()],
                "0.00",
                Ok(vec!["card 20.00 (open)", "gift 30.00"]),
            ),
            (
                "50.00",
                vec![gift.clone(), credit(Some("20.00"))],
                "20.00",
                Ok(vec!["gift 30.00", "credit 20.00"]),
            ),
            (
                "50.00",
                vec![gift.clone(), credit(Some("10.00"))],
                "20.00",
                Err("tender_mismatch"),
            ),
            (
                "50.00",
                vec![gift.clone(), card(Some("30.00"))],
                "0.00",
                Err("tender_mismatch"),
            ),
            (
                "50.00",
                vec![credit(Some("30.00")), card(None)],
                "20.00",
                Err("insufficient_store_credit"),
            ),
            (
                "50.00",
                vec![card(None), card(None)],
                "0.00",
                Err("invalid_field"),
            ),
            (
                "50.00",
                vec![credit(None), credit(None)],
                "9.00",
                Err("invalid_field"),
            ),
            (
                "50.00",
                vec![card(Some("0.00")), card(None)],
                "0.00",
                Err("invalid_amount"),
            ),
            ("50.00", vec![credit(None)], "10.00", Err("tender_mismatch")),
        ];
        for (total, tenders, balance, want) in cases {
            let got = split(total, &tenders, balance);
            match want {
                Ok(parts) => assert_eq!(got.unwrap(), parts, "{tenders:?}"),
                Err(code) => assert_eq!(got.unwrap_err().code(), code, "{tenders:?}"),
            }
        }
    }

    #[test]
    fn a_tender_in_another_currency_is_refused() {
        let usd = Tender::Gateway {
            label: "card".into(),
            amount: Some(Money::parse("5.00", Currency::USD).unwrap()),
        };
        let err = split_tenders(eur("5.00"), &[usd], eur("0")).unwrap_err();
        assert_eq!(err.code(), "currency_mismatch");
    }
}
