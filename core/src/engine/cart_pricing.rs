//! Pricing a cart: the store's pricing settings (one versioned document,
//! kept parsed per version) and the path from a stored cart to the pricing
//! kernel's breakdown (the price book from `built_book.rs`, the customer's
//! audience, the shipping choice).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::cart::{from_json, to_json};
use super::Engine;
use crate::cart::Cart;
use crate::catalog::CategoryTree;
use crate::error::Result;
use crate::money::RoundingMode;
use crate::pricing::{
    self, PriceBreakdown, PricingContext, PricingInput, Promotion, ShippingMethod, TaxConfig,
    TaxLocation, Timestamp,
};
use crate::store::{Store, Versioned};

const SETTINGS: &str = "settings";
const PRICING: &str = "pricing";
/// The key of the pricing settings' document, to read it ahead.
pub(super) const PRICING_DOC: (&str, &str) = (SETTINGS, PRICING);

/// The store's pricing configuration: promotions, tax, rounding, shipping
/// methods. Kept as one versioned document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PricingSettings {
    /// Candidate promotions.
    pub promotions: Vec<Promotion>,
    /// Tax rates and zones (none: untaxed).
    pub tax: Option<TaxConfig>,
    /// Rounding at the named points.
    pub rounding_mode: RoundingMode,
    /// Shipping methods by id.
    pub shipping_methods: Vec<ShippingMethod>,
}

/// What pricing reads of the catalog for a cart's lines: each line's
/// variant, and every category.
pub(super) type PricingRead = (Vec<Option<crate::store::VariantOf>>, CategoryTree);

/// Whom a cart is priced for.
pub(super) enum Audience {
    /// The cart's customer, looked up.
    Lookup,
    /// Already looked up (none: a guest or an unknown customer).
    Known(Option<super::crm::PricingAudience>),
}

impl<S: Store> Engine<S> {
    /// Replaces the pricing settings.
    ///
    /// # Errors
    ///
    /// `concurrent_modification` when `expected` is not the stored version
    /// (none: there must be none yet).
    pub fn set_pricing(&self, settings: &PricingSettings, expected: Option<u64>) -> Result<u64> {
        self.store
            .save(SETTINGS, PRICING, expected, to_json(settings)?, Vec::new())
    }

    /// The pricing settings and their version (defaults, version 0, when
    /// never set).
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn pricing(&self) -> Result<(PricingSettings, u64)> {
        // As saved: the shared copy below has its promotions reordered.
        match self.store.load(SETTINGS, PRICING)? {
            Some(doc) => Ok((from_json("pricing settings", &doc.value)?, doc.version)),
            None => Ok((PricingSettings::default(), 0)),
        }
    }

    /// The pricing settings, parsed once per stored version and shared
    /// (pricing a cart must not parse every promotion again), with the
    /// promotions in the kernel's application order, `(priority, id)`, so
    /// it need not sort them on every call. The version is checked on
    /// every call, so settings saved by another engine are seen at once.
    pub(super) fn shared_pricing(&self) -> Result<(Arc<PricingSettings>, u64)> {
        self.pricing_of(self.store.load(SETTINGS, PRICING)?)
    }

    /// [`Engine::shared_pricing`] from the settings' stored document
    /// `doc`, read by the caller (perhaps ahead, with others).
    pub(super) fn pricing_of(&self, doc: Option<Versioned>) -> Result<(Arc<PricingSettings>, u64)> {
        let Some(doc) = doc else {
            return Ok((Arc::new(PricingSettings::default()), 0));
        };
        let mut held = self
            .pricing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((version, settings)) = held.as_ref() {
            if *version == doc.version {
                return Ok((Arc::clone(settings), doc.version));
            }
        }
        let mut settings: PricingSettings = from_json("pricing settings", &doc.value)?;
        settings
            .promotions
            .sort_by(|a, b| (a.priority, &*a.id).cmp(&(b.priority, &*b.id)));
        let settings = Arc::new(settings);
        *held = Some((doc.version, Arc::clone(&settings)));
        Ok((settings, doc.version))
    }

    /// Prices a cart through the pricing kernel: the catalog's prices,
    /// tags, categories (with their ancestors), tax categories and weights,
    /// the pricing settings, the cart's coupons, channel, customer and
    /// shipping address, and the engine's clock.
    ///
    /// # Errors
    ///
    /// `unknown_cart`, `unknown_sku` for a line whose variant is gone (see
    /// [`Engine::revalidate_cart`]), and the kernel's errors.
    pub fn price_cart(&self, id: &str) -> Result<PriceBreakdown> {
        let (cart, _) = self.shared_cart(id)?;
        let (settings, _) = self.shared_pricing()?;
        self.price_with(&cart, &settings)
    }

    /// Prices `cart` under `settings` (see [`Engine::price_cart`]).
    pub(crate) fn price_with(
        &self,
        cart: &Cart,
        settings: &PricingSettings,
    ) -> Result<PriceBreakdown> {
        self.price_for(cart, settings, Audience::Lookup, None, self.clock.now())
    }

    /// [`Engine::price_with`] for `audience`, with what the catalog holds
    /// for the cart's lines when already read (`catalog`, from
    /// [`crate::store::CatalogStore::pricing_catalog`] for the lines' SKUs
    /// in order), as at `at`.
    pub(super) fn price_for(
        &self,
        cart: &Cart,
        settings: &PricingSettings,
        audience: Audience,
        catalog: Option<PricingRead>,
        at: Timestamp,
    ) -> Result<PriceBreakdown> {
        // A cart made from a quote is priced at the quoted unit prices, with
        // no promotion on top, while the quote holds.
        let quote = match &cart.quote {
            Some(id) => Some(self.quote_for_pricing(cart, id)?),
            None => None,
        };
        let quoted = |sku: &str| {
            quote
                .as_ref()
                .and_then(|q| q.accepted_line(sku))
                .map(|l| l.unit_price)
        };
        self.price_at(
            cart,
            settings,
            at,
            &quoted,
            quote.is_none(),
            audience,
            catalog,
        )
    }

    /// Prices `cart` under `settings` as at `at`: a SKU that `pinned`
    /// gives a unit price is charged that price instead of its catalog
    /// prices; `promotions` off applies none.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn price_at(
        &self,
        cart: &Cart,
        settings: &PricingSettings,
        at: Timestamp,
        pinned: &dyn Fn(&str) -> Option<crate::Money>,
        promotions: bool,
        audience: Audience,
        catalog: Option<PricingRead>,
    ) -> Result<PriceBreakdown> {
        let kept = self.book_for(cart, pinned, catalog)?;
        let audience = match (audience, &cart.customer) {
            (Audience::Known(known), _) => known,
            (Audience::Lookup, Some(id)) => self.pricing_audience(id, cart.currency)?,
            (Audience::Lookup, None) => None,
        };
        let (customer_groups, segments, first_order) = audience.unwrap_or_default();
        let context = PricingContext {
            now: Some(at),
            customer_groups,
            segments,
            first_order,
            channel: cart.channel.as_deref().map(str::to_owned),
            coupon_codes: cart.coupons.clone(),
            customer_id: cart.customer.as_deref().map(str::to_owned),
            tax_location: cart.shipping_address.as_ref().map(|a| TaxLocation {
                country: a.country.clone(),
                region: (!a.region.is_empty()).then(|| a.region.clone()),
            }),
        };
        let shipping = super::shipping::shipping_for(cart, settings)?;
        // The book's own pricing lines (no reference count per line), given
        // back whatever pricing returns.
        let priced = pricing::Cart {
            currency: cart.currency,
            lines: kept.take_lines(cart.lines.iter().map(|l| l.qty)),
        };
        let breakdown = pricing::price(&PricingInput {
            prices: kept.book(),
            cart: &priced,
            promotions: if promotions {
                &settings.promotions
            } else {
                &[]
            },
            tax: settings.tax.as_ref(),
            rounding_mode: settings.rounding_mode,
            context: &context,
            shipping,
        });
        kept.give_back(priced.lines);
        breakdown
    }
}
