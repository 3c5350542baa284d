//! Products and their variants: the sellable things of the catalog.

use serde::{Deserialize, Serialize};

use super::limits::{
    self, MAX_DESCRIPTION_BYTES, MAX_ID_BYTES, MAX_LIST, MAX_NAME_BYTES, MAX_OPTIONS,
    MAX_OPTION_VALUES, MAX_SKU_BYTES, MAX_VARIANTS,
};
use super::{label, AttributeValue, SortedMap};
use crate::error::{shown, Result};
use crate::money::Money;
use crate::pricing::Timestamp;

/// Where a product is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    /// Being prepared; not shown to shoppers.
    #[default]
    Draft,
    /// On sale.
    Active,
    /// No longer sold; kept for orders and history.
    Archived,
}

/// An option type (size, colour) and its values, in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductOption {
    /// The option's name (`size`).
    pub name: String,
    /// Its values (`S`, `M`, `L`).
    pub values: Vec<String>,
}

/// A picture or video, by reference (no file handling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// Where it is.
    pub url: String,
    /// Text for screen readers.
    #[serde(default)]
    pub alt: String,
}

/// How a related product relates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// A better, dearer alternative.
    UpSell,
    /// Something bought with it.
    CrossSell,
    /// An accessory for it.
    Accessory,
}

/// A link to another product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// The kind of link.
    pub kind: RelationKind,
    /// The other product's id.
    pub product: String,
}

/// Package size for shipping, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dimensions {
    /// Length.
    pub length_mm: u32,
    /// Width.
    pub width_mm: u32,
    /// Height.
    pub height_mm: u32,
}

/// One item a bundle or kit draws from stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// The component's SKU.
    pub sku: String,
    /// Units of it in one kit.
    pub qty: u32,
}

/// A sellable variant: one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// Unique in the store; exact and case-sensitive.
    pub sku: String,
    /// Its value for each of the product's option types.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub options: SortedMap<String>,
    /// Its price in each currency it is sold in (at most one per currency).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prices: Vec<Money>,
    /// Shipping weight in grams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_grams: Option<u64>,
    /// Package size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Dimensions>,
    /// For a bundle or kit: what one unit draws from stock. A kit has no
    /// stock of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    /// Delivered without shipping (a download, a licence key, an e-gift
    /// card): a cart of only such variants skips the shipping step.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub digital: bool,
}

impl Variant {
    /// A variant with a SKU and nothing else.
    pub fn new(sku: impl Into<String>) -> Self {
        Variant {
            sku: sku.into(),
            options: SortedMap::new(),
            prices: Vec::new(),
            weight_grams: None,
            dimensions: None,
            components: Vec::new(),
            digital: false,
        }
    }

    /// Its price in `currency`.
    pub fn price(&self, currency: crate::Currency) -> Option<Money> {
        self.prices
            .iter()
            .copied()
            .find(|p| p.currency() == currency)
    }
}

/// A product: what shoppers see, with one or more variants.
///
/// # Examples
///
/// ```
/// use kassa::catalog::{Product, ProductStatus, Variant};
/// use kassa::{Currency, Money};
///
/// let mut tee = Product::new("tee", "Organic Tee");
/// tee.status = ProductStatus::Active;
/// let mut v = Variant::new("TEE-M");
/// v.prices.push(Money::parse("19.99", Currency::USD)?);
/// tee.variants.push(v);
/// tee.validate()?;
///
/// tee.variants.push(Variant::new("TEE-M"));
/// assert_eq!(tee.validate().unwrap_err().code(), "duplicate_sku");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Unique in the store.
    pub id: String,
    /// Shown to shoppers.
    pub name: String,
    /// Long text, stored verbatim (markup is not interpreted).
    #[serde(default)]
    pub description: String,
    /// Draft, active or archived.
    #[serde(default)]
    pub status: ProductStatus,
    /// Category ids (the category tree must hold them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Free tags, exact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Typed attributes (defined in the catalog).
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub attributes: SortedMap<AttributeValue>,
    /// Option types; every variant has a value for each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ProductOption>,
    /// At least one.
    pub variants: Vec<Variant>,
    /// Pictures and videos.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<Media>,
    /// Channels it is sold in; empty means every channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// Tax category for the pricing kernel; none means untaxed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_category: Option<String>,
    /// Up-sells, cross-sells and accessories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Relation>,
    /// When it was first saved (set by the engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

impl Product {
    /// A draft product with no variants yet.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Product {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            status: ProductStatus::Draft,
            categories: Vec::new(),
            tags: Vec::new(),
            attributes: SortedMap::new(),
            options: Vec::new(),
            variants: Vec::new(),
            media: Vec::new(),
            channels: Vec::new(),
            tax_category: None,
            related: Vec::new(),
            created_at: None,
        }
    }

    /// The variant with `sku`.
    pub fn variant(&self, sku: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.sku == sku)
    }

    /// True when sold in `channel` (an empty channel list means everywhere).
    pub fn in_channel(&self, channel: &str) -> bool {
        self.channels.is_empty() || self.channels.iter().any(|c| c == channel)
    }

    /// Checks everything that can be checked without the rest of the
    /// catalog: field limits, options, prices, SKUs within the product.
    ///
    /// # Errors
    ///
    /// `invalid_field` naming the field (`variants[2].sku`), or
    /// `duplicate_sku` for a SKU used twice in the product.
    pub fn validate(&self) -> Result<()> {
        let id = self.id.as_str();
        limits::text(id, "id", id, MAX_ID_BYTES)?;
        limits::text(id, "name", &self.name, MAX_NAME_BYTES)?;
        limits::optional_text(id, "description", &self.description, MAX_DESCRIPTION_BYTES)?;
        for (field, list) in [
            ("categories", &self.categories),
            ("tags", &self.tags),
            ("channels", &self.channels),
        ] {
            limits::list(id, field, list, MAX_LIST)?;
            for (i, value) in list.iter().enumerate() {
                if !limits::label_ok(value) {
                    label(id, &format!("{field}[{i}]"), value)?;
                }
            }
        }
        if let Some(tax) = &self.tax_category {
            label(id, "tax_category", tax)?;
        }
        limits::list(id, "media", &self.media, MAX_LIST)?;
        for (i, m) in self.media.iter().enumerate() {
            limits::text(
                id,
                &format!("media[{i}].url"),
                &m.url,
                limits::MAX_URL_BYTES,
            )?;
            limits::optional_text(
                id,
                &format!("media[{i}].alt"),
                &m.alt,
                limits::MAX_ALT_BYTES,
            )?;
        }
        limits::list(id, "related", &self.related, MAX_LIST)?;
        for (i, r) in self.related.iter().enumerate() {
            limits::text(
                id,
                &format!("related[{i}].product"),
                &r.product,
                MAX_ID_BYTES,
            )?;
            if r.product == self.id {
                return Err(limits::invalid(
                    id,
                    &format!("related[{i}].product"),
                    "a product cannot relate to itself".to_owned(),
                ));
            }
        }
        if self.attributes.len() > MAX_LIST {
            return Err(limits::invalid(
                id,
                "attributes",
                format!("has more than {MAX_LIST} entries"),
            ));
        }
        self.validate_options()?;
        self.validate_variants()
    }

    fn validate_options(&self) -> Result<()> {
        let id = self.id.as_str();
        limits::list(id, "options", &self.options, MAX_OPTIONS)?;
        for (i, option) in self.options.iter().enumerate() {
            label(id, &format!("options[{i}].name"), &option.name)?;
            if self.options[..i].iter().any(|o| o.name == option.name) {
                return Err(limits::invalid(
                    id,
                    &format!("options[{i}].name"),
                    format!("option {:?} is declared twice", shown(&option.name)),
                ));
            }
            limits::list(id, "options.values", &option.values, MAX_OPTION_VALUES)?;
            for (j, v) in option.values.iter().enumerate() {
                if !limits::label_ok(v) {
                    label(id, &format!("options[{i}].values[{j}]"), v)?;
                }
            }
        }
        Ok(())
    }

    fn validate_variants(&self) -> Result<()> {
        let id = self.id.as_str();
        if self.variants.is_empty() {
            return Err(limits::invalid(
                id,
                "variants",
                "a product needs at least one variant".to_owned(),
            ));
        }
        limits::list(id, "variants", &self.variants, MAX_VARIANTS)?;
        for (i, v) in self.variants.iter().enumerate() {
            let at = |field: &str| format!("variants[{i}].{field}");
            if v.sku.is_empty() || v.sku.len() > MAX_SKU_BYTES {
                limits::text(id, &at("sku"), &v.sku, MAX_SKU_BYTES)?;
            }
            if self.variants[..i].iter().any(|w| w.sku == v.sku) {
                return Err(crate::Error::DuplicateSku {
                    sku: shown(&v.sku),
                    product: shown(id),
                });
            }
            for option in &self.options {
                match v.options.get(&option.name) {
                    Some(value) if option.values.contains(value) => {}
                    Some(value) => {
                        return Err(limits::invalid(
                            id,
                            &at("options"),
                            format!(
                                "{:?} is not a value of option {:?}",
                                shown(value),
                                shown(&option.name)
                            ),
                        ))
                    }
                    None => {
                        return Err(limits::invalid(
                            id,
                            &at("options"),
                            format!("no value for option {:?}", shown(&option.name)),
                        ))
                    }
                }
            }
            if v.options.len() != self.options.len() {
                return Err(limits::invalid(
                    id,
                    &at("options"),
                    "names an option the product does not declare".to_owned(),
                ));
            }
            for (j, price) in v.prices.iter().enumerate() {
                if price.is_negative() {
                    return Err(limits::invalid(
                        id,
                        &at("prices"),
                        format!("price {price} is negative"),
                    ));
                }
                if v.prices[..j]
                    .iter()
                    .any(|p| p.currency() == price.currency())
                {
                    return Err(limits::invalid(
                        id,
                        &at("prices"),
                        format!("two prices in {}", price.currency()),
                    ));
                }
            }
            if v.components.len() > MAX_LIST {
                limits::list(id, &at("components"), &v.components, MAX_LIST)?;
            }
            for (j, c) in v.components.iter().enumerate() {
                limits::text(
                    id,
                    &at(&format!("components[{j}].sku")),
                    &c.sku,
                    MAX_SKU_BYTES,
                )?;
                if c.qty == 0 || c.sku == v.sku {
                    return Err(limits::invalid(
                        id,
                        &at(&format!("components[{j}]")),
                        "a component needs a quantity >= 1 and another SKU".to_owned(),
                    ));
                }
            }
        }
        Ok(())
    }
}
