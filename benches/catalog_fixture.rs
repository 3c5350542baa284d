//! A deterministic synthetic catalog for the catalog benchmarks: words,
//! categories, attributes and prices come from fixed formulas per index.

use kassa::catalog::{
    AttributeDef, AttributeKind, AttributeValue, CatalogQuery, Category, Facet, Product,
    ProductOption, ProductStatus, Sort, Variant,
};
use kassa::engine::Engine;
use kassa::store::MemoryStore;
use kassa::{Currency, Money};

/// An in-memory engine with the category tree and attribute definitions.
///
/// # Errors
///
/// None in practice; the fixture is valid.
pub fn empty_shop() -> Result<Engine<MemoryStore>, kassa::Error> {
    let engine = Engine::in_memory();
    for c in categories() {
        engine.put_category(c)?;
    }
    for def in attributes() {
        engine.define_attribute(def)?;
    }
    Ok(engine)
}

/// [`empty_shop`] with `products` products of `variants` variants each.
///
/// # Errors
///
/// None in practice; the fixture is valid.
pub fn shop(products: usize, variants: usize) -> Result<Engine<MemoryStore>, kassa::Error> {
    let engine = empty_shop()?;
    for i in 0..products {
        engine.create_product(product(i, variants))?;
    }
    Ok(engine)
}

const ADJECTIVES: [&str; 24] = [
    "organic", "classic", "slim", "relaxed", "vintage", "summer", "winter", "urban", "coastal",
    "alpine", "soft", "rugged", "light", "heavy", "bright", "muted", "striped", "plain", "washed",
    "brushed", "quilted", "woven", "knitted", "recycled",
];
const NOUNS: [&str; 20] = [
    "tee", "shirt", "polo", "sweater", "hoodie", "jacket", "coat", "vest", "jeans", "chinos",
    "shorts", "skirt", "dress", "cap", "beanie", "scarf", "socks", "sneaker", "boot", "bag",
];
const MATERIALS: [&str; 8] = [
    "cotton", "linen", "wool", "denim", "leather", "silk", "hemp", "fleece",
];
const FITS: [&str; 3] = ["slim", "regular", "loose"];
const SIZES: [&str; 4] = ["S", "M", "L", "XL"];
const COLOURS: [&str; 6] = ["black", "white", "navy", "olive", "sand", "red"];

/// Root categories; each has [`LEAVES_PER_ROOT`] leaves.
pub const ROOTS: usize = 10;
/// Leaves under each root.
pub const LEAVES_PER_ROOT: usize = 10;

/// The category tree: `root-R` and `leaf-R-L`.
pub fn categories() -> Vec<Category> {
    let mut out = Vec::new();
    for r in 0..ROOTS {
        out.push(Category {
            id: format!("root-{r}"),
            name: format!("Department {r}"),
            parent: None,
            position: r as u32,
        });
        for l in 0..LEAVES_PER_ROOT {
            out.push(Category {
                id: format!("leaf-{r}-{l}"),
                name: format!("Aisle {r}.{l}"),
                parent: Some(format!("root-{r}")),
                position: l as u32,
            });
        }
    }
    out
}

/// The attribute definitions the products use.
pub fn attributes() -> Vec<AttributeDef> {
    let values = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
    vec![
        AttributeDef::new(
            "material",
            "Material",
            AttributeKind::Enum {
                values: values(&MATERIALS),
            },
        ),
        AttributeDef::new(
            "fit",
            "Fit",
            AttributeKind::Enum {
                values: values(&FITS),
            },
        ),
    ]
}

/// Product `i` with `variants` variants (sizes x colours, up to 24).
pub fn product(i: usize, variants: usize) -> Product {
    let adjective = ADJECTIVES[i % ADJECTIVES.len()];
    let noun = NOUNS[(i / ADJECTIVES.len()) % NOUNS.len()];
    let material = MATERIALS[(i / 7) % MATERIALS.len()];
    let mut p = Product::new(
        format!("P{i:07}"),
        format!("{adjective} {material} {noun} {i}"),
    );
    p.description = format!("A {adjective} {noun} in {material}.");
    p.status = ProductStatus::Active;
    let leaf = (i * 7919) % (ROOTS * LEAVES_PER_ROOT);
    p.categories = vec![format!(
        "leaf-{}-{}",
        leaf / LEAVES_PER_ROOT,
        leaf % LEAVES_PER_ROOT
    )];
    p.tags = vec![ADJECTIVES[(i / 3) % ADJECTIVES.len()].to_owned()];
    p.attributes
        .insert("material".into(), AttributeValue::Enum(material.into()));
    p.attributes.insert(
        "fit".into(),
        AttributeValue::Enum(FITS[i % FITS.len()].into()),
    );
    let n = variants.clamp(1, SIZES.len() * COLOURS.len());
    let sizes: Vec<&str> = SIZES.iter().take(n.min(SIZES.len())).copied().collect();
    let colours = n.div_ceil(SIZES.len());
    p.options = vec![
        ProductOption {
            name: "size".into(),
            values: sizes.iter().map(|s| (*s).to_owned()).collect(),
        },
        ProductOption {
            name: "colour".into(),
            values: COLOURS
                .iter()
                .take(colours)
                .map(|c| (*c).to_owned())
                .collect(),
        },
    ];
    let base = 999 + ((i as i64 * 7919) % 20_000);
    for k in 0..n {
        let (size, colour) = (sizes[k % sizes.len()], COLOURS[k / sizes.len()]);
        let mut v = Variant::new(format!("SKU-{i:07}-{k:02}"));
        v.options.insert("size".into(), size.into());
        v.options.insert("colour".into(), colour.into());
        v.prices.push(Money::from_minor_units(
            base + 100 * k as i64,
            Currency::USD,
        ));
        v.weight_grams = Some(200 + (i as u64 % 800));
        p.variants.push(v);
    }
    p
}

/// The benchmarked storefront page: `category`, 50 products by price in
/// USD, with facet counts for both attributes and both options.
pub fn category_page(category: &str) -> CatalogQuery {
    CatalogQuery {
        category: Some(category.into()),
        currency: Some(Currency::USD),
        sort: Sort::PriceAsc,
        limit: 50,
        facets: vec![
            Facet::Attribute("material".into()),
            Facet::Attribute("fit".into()),
            Facet::Option("size".into()),
            Facet::Option("colour".into()),
        ],
        ..CatalogQuery::default()
    }
}
