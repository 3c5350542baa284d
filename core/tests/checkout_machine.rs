//! Every (state, command) pair of the checkout: either the documented
//! transition with its effects, or `invalid_transition`.

use kassa::checkout::{transition, CheckoutCommand, CheckoutState};

/// `state command -> next [effects]`, or `state command -> -`.
const TABLE: &str = "
cart edit_cart -> cart []
cart set_address -> addressed []
cart select_shipping -> -
cart skip_shipping -> -
cart start_payment -> -
cart payment_authorized -> -
cart payment_failed -> -
cart complete -> -
cart cancel -> cancelled []
cart expire -> expired []
addressed edit_cart -> addressed []
addressed set_address -> addressed []
addressed select_shipping -> shipping_selected []
addressed skip_shipping -> shipping_selected [clear_shipping]
addressed start_payment -> -
addressed payment_authorized -> -
addressed payment_failed -> -
addressed complete -> -
addressed cancel -> cancelled []
addressed expire -> expired []
shipping_selected edit_cart -> addressed [clear_shipping]
shipping_selected set_address -> addressed [clear_shipping]
shipping_selected select_shipping -> shipping_selected []
shipping_selected skip_shipping -> shipping_selected [clear_shipping]
shipping_selected start_payment -> payment_pending [open_payment]
shipping_selected payment_authorized -> -
shipping_selected payment_failed -> -
shipping_selected complete -> -
shipping_selected cancel -> cancelled []
shipping_selected expire -> expired []
payment_pending edit_cart -> addressed [cancel_payment clear_shipping]
payment_pending set_address -> addressed [cancel_payment clear_shipping]
payment_pending select_shipping -> shipping_selected [cancel_payment]
payment_pending skip_shipping -> shipping_selected [cancel_payment clear_shipping]
payment_pending start_payment -> payment_pending [cancel_payment open_payment]
payment_pending payment_authorized -> authorized []
payment_pending payment_failed -> shipping_selected [cancel_payment]
payment_pending complete -> -
payment_pending cancel -> cancelled [cancel_payment]
payment_pending expire -> expired [cancel_payment]
authorized edit_cart -> -
authorized set_address -> -
authorized select_shipping -> -
authorized skip_shipping -> -
authorized start_payment -> -
authorized payment_authorized -> -
authorized payment_failed -> -
authorized complete -> completed [place_order]
authorized cancel -> cancelled [void_authorization]
authorized expire -> expired [void_authorization]
";

fn name<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn every_state_and_command_pair_is_documented_or_refused() {
    let mut checked = 0;
    for state in CheckoutState::ALL {
        for command in CheckoutCommand::ALL {
            let got = match transition(state, command) {
                Ok(t) => {
                    let effects: Vec<String> = t.effects.into_iter().map(name).collect();
                    format!("{} [{}]", name(t.state), effects.join(" "))
                }
                Err(e) => {
                    assert_eq!(e.code(), "invalid_transition");
                    assert!(e.to_string().contains(state.as_str()), "{e}");
                    assert!(e.to_string().contains(command.as_str()), "{e}");
                    "-".to_owned()
                }
            };
            let line = format!("{} {} -> {got}", state.as_str(), command.as_str());
            if state.is_terminal() {
                assert_eq!(got, "-", "terminal states absorb: {line}");
            } else {
                assert!(TABLE.lines().any(|l| l == line), "not in the table: {line}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 8 * 10);
    assert_eq!(TABLE.lines().filter(|l| !l.is_empty()).count(), 5 * 10);
}

#[test]
fn names_are_the_serialized_names() {
    for state in CheckoutState::ALL {
        assert_eq!(name(state), state.as_str());
    }
    for command in CheckoutCommand::ALL {
        assert_eq!(name(command), command.as_str());
    }
}
