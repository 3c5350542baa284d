use rust_decimal::Decimal;

use super::*;

/// Views and purchases by category, with the day each happened (days ago).
struct Seen {
    viewed: Vec<(&'static str, u32)>,
    purchased: Vec<(&'static str, u32)>,
}

impl Behaviour for Seen {
    fn count(&self, action: Action, target: &Target, within_days: Option<u32>) -> u64 {
        let list = match action {
            Action::Viewed => &self.viewed,
            Action::Purchased => &self.purchased,
            Action::AddedToCart => return 0,
        };
        list.iter()
            .filter(|(category, ago)| {
                let on_target = match target {
                    Target::Category(c) => c == category,
                    Target::Product(_) => false,
                    Target::Any => true,
                };
                on_target && within_days.is_none_or(|w| *ago <= w)
            })
            .count() as u64
    }
}

fn facts<'a>(tags: &'a [String], rfm: Option<&'a str>) -> CustomerFacts<'a> {
    CustomerFacts {
        total_spent: Decimal::new(62_050, 2),
        order_count: 4,
        days_since_last_order: Some(30),
        days_since_first_order: Some(400),
        return_rate: Decimal::new(25, 2),
        cart_abandonments: 2,
        tags,
        groups: &[],
        rfm_group: rfm,
        stage: Some("repeat"),
        country: Some("DE"),
    }
}

#[test]
fn rules_evaluate_as_documented() {
    let tags = vec!["vip".to_string(), "newsletter".to_string()];
    let f = facts(&tags, Some("at_risk"));
    let seen = Seen {
        viewed: vec![("shoes", 2), ("shoes", 20), ("hats", 1)],
        purchased: vec![("hats", 1), ("shoes", 30)],
    };
    let table = [
        (
            r#"total_spent >= 500 and days_since_last_order <= 90 and tag = "vip""#,
            true,
        ),
        ("total_spent > 620.50", false),
        ("total_spent >= 620.5", true),
        ("average_order_value = 155.125", true),
        (r#"rfm_group in ("at_risk", "hibernating")"#, true),
        (r#"rfm_group in ("champions")"#, false),
        (r#"tag != "wholesale" and country = "DE""#, true),
        (r#"group = "b2b""#, false),
        (r#"not group = "b2b""#, true),
        ("order_count >= 5 or cart_abandonments >= 2", true),
        (
            "order_count >= 5 or (cart_abandonments >= 2 and return_rate > 0.3)",
            false,
        ),
        (
            r#"viewed(category: "shoes", within: 7d) and not purchased(category: "shoes", within: 7d)"#,
            true,
        ),
        (r#"viewed(category: "shoes", within: 7d, min: 2)"#, false),
        (r#"viewed(category: "shoes", min: 2)"#, true),
        (
            r#"purchased(category: "hats", within: 7d) and not viewed(category: "bags")"#,
            true,
        ),
        ("purchased(within: 1d)", true),
        (r#"stage = "repeat" and not not tag = "vip""#, true),
    ];
    for (rule, want) in table {
        let segment = Segment::parse(rule).unwrap_or_else(|e| panic!("{rule}: {e}"));
        assert_eq!(segment.matches(&f, &seen), want, "{rule}");
    }
}

#[test]
fn missing_facts_fail_comparisons_except_not_equal() {
    let never = CustomerFacts::default();
    for (rule, want) in [
        ("days_since_last_order <= 90", false),
        ("days_since_last_order > 90", false),
        ("days_since_last_order != 90", true),
        (r#"rfm_group = "lost""#, false),
        (r#"rfm_group != "lost""#, true),
        (r#"rfm_group in ("lost")"#, false),
        ("order_count = 0 and average_order_value = 0", true),
    ] {
        assert_eq!(
            Segment::parse(rule).unwrap().matches(&never, &NoBehaviour),
            want,
            "{rule}"
        );
    }
}

#[test]
fn errors_name_the_position() {
    let table = [
        ("colour = \"red\"", 0, "unknown field"),
        (
            "total_spent >= 500 and colour = \"red\"",
            23,
            "unknown field",
        ),
        ("total_spent >= \"500\"", 15, "expected a number"),
        ("tag >= \"vip\"", 4, "= , != or in only"),
        ("tag = vip", 6, "expected a quoted string"),
        ("total_spent >= 500 and", 22, "expected a field"),
        ("(order_count > 1", 16, "expected ')'"),
        ("order_count > 1)", 15, "expected 'and', 'or'"),
        ("order_count 1", 12, "expected a comparison"),
        ("rfm_group in (\"a\" \"b\")", 18, "expected ')' or ','"),
        ("viewed(colour: \"red\")", 7, "unknown argument"),
        ("viewed(within: 7)", 15, "takes days"),
        ("viewed(within: 0d)", 15, "1d to 3650d"),
        ("viewed(min: 0)", 12, "whole number"),
        (
            "viewed(category: \"a\", product: \"b\")",
            22,
            "one category",
        ),
        ("", 0, "expected a field"),
    ];
    for (rule, position, words) in table {
        let e = Segment::parse(rule).unwrap_err();
        assert_eq!(e.code(), "invalid_segment_rule", "{rule}");
        assert!(
            matches!(e, crate::Error::InvalidSegmentRule { position: p, .. } if p == position),
            "{rule}: {e}"
        );
        assert!(e.to_string().contains(words), "{rule}: {e}");
    }
}

#[test]
fn limits_keep_rules_small() {
    let deep = format!("{}order_count > 1{}", "(".repeat(40), ")".repeat(40));
    let e = Segment::parse(&deep).unwrap_err();
    assert!(e.to_string().contains("nested deeper"), "{e}");
    let nots = format!("{}order_count > 1", "not ".repeat(40));
    assert!(Segment::parse(&nots).is_err());
    let wide = vec!["order_count > 1"; MAX_CONDITIONS + 1].join(" or ");
    let e = Segment::parse(&wide).unwrap_err();
    assert!(e.to_string().contains("conditions"), "{e}");
    let ok = vec!["order_count > 1"; MAX_CONDITIONS].join(" or ");
    assert!(Segment::parse(&ok).is_ok());
}

#[test]
fn rules_say_whether_they_count_behaviour() {
    for (rule, uses) in [
        ("total_spent >= 500", false),
        (r#"tag = "vip" or rfm_group in ("lost")"#, false),
        (r#"viewed(category: "shoes")"#, true),
        (r#"total_spent >= 5 and not purchased(within: 7d)"#, true),
        (
            r#"(order_count > 1 or (tag = "x" and added_to_cart()))"#,
            true,
        ),
    ] {
        assert_eq!(
            Segment::parse(rule).unwrap().uses_behaviour(),
            uses,
            "{rule}"
        );
    }
}
