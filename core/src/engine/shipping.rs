//! Shipping choices: a cart's chosen method checked against the shop's
//! methods and the cart's country, and the options a cart can choose from,
//! each priced.

use std::sync::Arc;

use super::cart_pricing::PricingSettings;
use super::Engine;
use crate::cart::Cart;
use crate::error::{shown, Error, Result};
use crate::money::Money;
use crate::pricing::ShippingMethod;
use crate::store::Store;

/// A shipping method a cart can choose, priced for that cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingOption {
    /// The method's id.
    pub method: String,
    /// What shipping costs with it (after a free-shipping threshold and
    /// shipping promotions, before tax).
    pub shipping: Money,
    /// The cart's grand total with it.
    pub grand_total: Money,
}

impl<S: Store> Engine<S> {
    /// The shop's shipping methods that ship to cart `id`'s address (every
    /// method while it has none), each with what shipping and the whole
    /// cart would cost with it, in the order the shop lists them.
    ///
    /// # Errors
    ///
    /// `unknown_cart`; as [`Engine::price_cart`].
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::cart::Address;
    /// use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
    /// use kassa::engine::PricingSettings;
    /// use kassa::pricing::{ShippingMethod, ShippingRate};
    /// use kassa::{Currency, Money};
    /// let engine = kassa::engine::Engine::in_memory();
    /// let eur = |m| Money::from_minor_units(m, Currency::EUR);
    /// let mut mug = Product::new("mug", "Mug");
    /// mug.status = ProductStatus::Active;
    /// let mut v = Variant::new("MUG");
    /// v.prices = vec![eur(1_000)];
    /// mug.variants.push(v);
    /// engine.create_product(mug)?;
    /// let settings = PricingSettings {
    ///     shipping_methods: vec![
    ///         ShippingMethod::new("dhl", ShippingRate::Flat { price: eur(490) }).only_to(["DE", "AT"]),
    ///         ShippingMethod::new("ups", ShippingRate::Flat { price: eur(990) }),
    ///     ],
    ///     ..PricingSettings::default()
    /// };
    /// engine.set_pricing(&settings, None)?;
    /// let (cart, v) = engine.create_cart(Currency::EUR, None)?;
    /// let (_, v) = engine.add_to_cart(&cart.id, v, "MUG", 1, SortedMap::new())?;
    /// engine.set_cart_address(&cart.id, v, Address::new("Ada", "1 Rue", "Paris", "FR"))?;
    /// let options = engine.shipping_options(&cart.id)?;
    /// assert_eq!(options.len(), 1, "dhl does not ship to France");
    /// assert_eq!((options[0].method.as_str(), options[0].grand_total), ("ups", eur(1_990)));
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn shipping_options(&self, id: &str) -> Result<Vec<ShippingOption>> {
        let (cart, _) = self.cart(id)?;
        let (settings, _) = self.shared_pricing()?;
        let country = cart.shipping_address.as_ref().map(|a| a.country.as_str());
        let mut out = Vec::new();
        for method in &settings.shipping_methods {
            if country.is_some_and(|c| !method.ships_to(c)) {
                continue;
            }
            let mut with = Cart::clone(&cart);
            with.shipping_method = Some(method.id.to_string());
            let priced = self.price_with(&with, &settings)?;
            out.push(ShippingOption {
                method: method.id.to_string(),
                shipping: priced
                    .shipping
                    .as_ref()
                    .map_or(Money::zero(cart.currency), |s| s.net),
                grand_total: priced.grand_total,
            });
        }
        Ok(out)
    }
}

impl<S: Store> Engine<S> {
    /// Settles cart `id`'s shipping step with no method, when every line
    /// is digital ([`crate::catalog::Variant::digital`]): a download or a
    /// licence key needs an address (for tax and the invoice) but no
    /// shipping.
    ///
    /// # Errors
    ///
    /// `shipping_unavailable` naming a line that ships; as
    /// [`Cart::skip_shipping`] and [`Engine::update_cart`].
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::cart::Address;
    /// use kassa::catalog::{Product, ProductStatus, SortedMap, Variant};
    /// use kassa::checkout::CheckoutState;
    /// use kassa::{Currency, Money};
    /// let engine = kassa::engine::Engine::in_memory();
    /// let mut ebook = Product::new("ebook", "E-book");
    /// ebook.status = ProductStatus::Active;
    /// let mut v = Variant::new("EBOOK");
    /// v.prices = vec![Money::from_minor_units(900, Currency::EUR)];
    /// v.digital = true;
    /// ebook.variants.push(v);
    /// engine.create_product(ebook)?;
    /// let (cart, v) = engine.create_cart(Currency::EUR, None)?;
    /// let (_, v) = engine.add_to_cart(&cart.id, v, "EBOOK", 1, SortedMap::new())?;
    /// let (_, v) = engine.set_cart_address(&cart.id, v, Address::new("Ada", "1 Rue", "Paris", "FR"))?;
    /// let (cart, _) = engine.skip_shipping(&cart.id, v)?;
    /// assert_eq!((cart.checkout, cart.shipping_method.as_deref()), (CheckoutState::ShippingSelected, None));
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn skip_shipping(&self, id: &str, expected: u64) -> Result<(Arc<Cart>, u64)> {
        self.update_cart(id, expected, |cart, engine| {
            engine.refuse_shipped_lines(cart)?;
            cart.skip_shipping(engine.clock.now())
        })
    }

    /// Refuses `cart` when one of its lines ships (its variant is not
    /// digital, or is gone).
    ///
    /// # Errors
    ///
    /// `shipping_unavailable` naming the line.
    pub(super) fn refuse_shipped_lines(&self, cart: &Cart) -> Result<()> {
        let skus: Vec<&str> = cart.lines.iter().map(|l| &*l.sku).collect();
        let found = self.store.products_by_skus(&skus)?;
        for (sku, found) in skus.iter().zip(found) {
            let digital = found
                .as_ref()
                .and_then(|(p, i)| p.variants.get(*i))
                .is_some_and(|v| v.digital);
            if !digital {
                return Err(Error::ShippingUnavailable {
                    method: "none".into(),
                    reason: format!("{} is shipped; choose a shipping method", shown(sku)),
                });
            }
        }
        Ok(())
    }
}

/// The shipping method `cart` chose, checked: a shop that configures
/// shipping methods charges only through them, so a choice that is not one
/// of them, or does not ship to the cart's country, is refused (never priced
/// as free). A shop with no methods configured charges no shipping
/// (collection in store, or nothing to ship).
///
/// # Errors
///
/// `shipping_unavailable`.
pub(super) fn shipping_for<'s>(
    cart: &Cart,
    settings: &'s PricingSettings,
) -> Result<Option<&'s ShippingMethod>> {
    let Some(chosen) = cart.shipping_method.as_deref() else {
        return Ok(None);
    };
    if settings.shipping_methods.is_empty() {
        return Ok(None);
    }
    let Some(method) = settings.shipping_methods.iter().find(|s| &*s.id == chosen) else {
        let ids: Vec<&str> = settings.shipping_methods.iter().map(|s| &*s.id).collect();
        return Err(Error::ShippingUnavailable {
            method: shown(chosen),
            reason: format!("the shop's methods are {ids:?}"),
        });
    };
    if let Some(address) = &cart.shipping_address {
        if !method.ships_to(&address.country) {
            return Err(Error::ShippingUnavailable {
                method: shown(chosen),
                reason: format!(
                    "it ships to {:?}, not to {}",
                    method.countries,
                    shown(&address.country)
                ),
            });
        }
    }
    Ok(Some(method))
}
