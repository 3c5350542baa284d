//! The catalog half of the demo: a small shop imported from CSV (one row
//! refused, with its reason), a faceted category page, a text search, a kit
//! reserved from its components, a guest cart merged at login and checked
//! out (a capture that times out after succeeding charges once), and the
//! events the engine recorded.

use kassa::cart::{merge, Address, MergeStrategy};
use kassa::catalog::{AttributeDef, AttributeKind, CatalogQuery, Category, Facet, Sort, SortedMap};
use kassa::engine::{CheckoutOptions, Engine};
use kassa::inventory::StockKey;
use kassa::payment::{Script, TestGateway};
use kassa::{Currency, Result};

const CATALOG: &str = "\
product_id,name,status,categories,tags,attributes,sku,options,prices,components
tee,Organic Cotton Tee,active,tees,organic,material=cotton,TEE-S,size=S,19.99 USD,
tee,Organic Cotton Tee,active,tees,organic,material=cotton,TEE-M,size=M,19.99 USD,
polo,Piqué Polo,active,polos,,material=cotton,POLO-M,size=M,34.50 USD,
polo,Piqué Polo,active,polos,,material=cotton,POLO-L,size=L,34.505 USD,
linen,Linen Shirt,active,shirts,summer,material=linen,LIN-M,size=M,59.00 USD,
duo,Tee Duo,active,tees,gift,material=cotton,DUO-M,size=M,35.00 USD,TEE-M=2
";

/// Runs the catalog demo.
pub fn run() -> Result<()> {
    println!("== Catalog");
    let shop = Engine::in_memory();
    shop.put_category(category("apparel", None))?;
    for leaf in ["tees", "polos", "shirts"] {
        shop.put_category(category(leaf, Some("apparel")))?;
    }
    let materials = vec!["cotton".into(), "linen".into()];
    shop.define_attribute(AttributeDef::new(
        "material",
        "Material",
        AttributeKind::Enum { values: materials },
    ))?;
    let report = shop.import_csv(CATALOG.as_bytes())?;
    println!(
        "imported {} products from {} rows",
        report.products, report.rows
    );
    for e in &report.errors {
        println!("  row {} refused: {} ({})", e.row, e.code, e.message);
    }
    for sku in ["TEE-S", "TEE-M", "POLO-M", "LIN-M"] {
        shop.adjust_stock(&StockKey::new(sku, "main"), 5, "delivery")?;
    }

    let page = shop.query(&CatalogQuery {
        category: Some("apparel".into()),
        currency: Some(Currency::USD),
        sort: Sort::PriceAsc,
        in_stock: true,
        facets: vec![
            Facet::Attribute("material".into()),
            Facet::Option("size".into()),
        ],
        ..CatalogQuery::default()
    })?;
    println!(
        "apparel in stock, cheapest first ({} products):",
        page.total
    );
    for hit in &page.hits {
        let price = hit.price.map(|p| p.to_string()).unwrap_or_default();
        println!("  {:<20} from {price:>6} USD  {:?}", hit.name, hit.skus);
    }
    println!("  facets: {:?}", page.facets);

    let found = shop.query(&CatalogQuery {
        text: Some("pique".into()),
        ..CatalogQuery::default()
    })?;
    let names: Vec<&str> = found.hits.iter().map(|h| h.name.as_str()).collect();
    println!("search \"pique\" -> {names:?}");

    // Two duos draw four tees; a fifth loose tee would oversell.
    let held = shop.reserve_items("main", &[("DUO-M", 2)], 15 * 60_000)?;
    println!(
        "2 x DUO-M reserved as {} x {}",
        held[0].qty, held[0].key.sku
    );
    let refused = shop.reserve_items("main", &[("TEE-M", 2)], 15 * 60_000);
    if let Err(e) = refused {
        println!("2 more TEE-M -> error {}: {e}", e.code());
    }
    checkout(&shop)?;

    let events = shop.events_since(0, 100)?;
    let kinds: Vec<String> = events
        .iter()
        .map(|e| {
            serde_json::to_value(&e.kind)
                .ok()
                .and_then(|v| v["type"].as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    println!(
        "{} events in the outbox: {}",
        events.len(),
        kinds.join(", ")
    );
    Ok(())
}

/// A guest fills a cart, logs in (merged into the customer's cart), pays.
fn checkout(shop: &Engine<kassa::store::MemoryStore>) -> Result<()> {
    let (guest, v) = shop.create_cart(Currency::USD, None)?;
    shop.add_to_cart(&guest.id, v, "LIN-M", 1, SortedMap::new())?;
    let (mine, v) = shop.create_cart(Currency::USD, Some("ada"))?;
    let (_, v) = shop.add_to_cart(&mine.id, v, "TEE-S", 2, SortedMap::new())?;
    let (guest, _) = shop.cart(&guest.id)?;
    let (mine, v) = shop.update_cart(&mine.id, v, |cart, engine| {
        *cart = merge(
            &guest,
            cart,
            MergeStrategy::MergeLines,
            engine.clock().now(),
        )?;
        let now = engine.clock().now();
        cart.set_shipping_address(Address::new("Ada", "12 St James's Sq", "London", "GB"), now)?;
        cart.select_shipping("pickup", now)
    })?;
    let skus: Vec<String> = mine
        .lines
        .iter()
        .map(|l| format!("{} x {}", l.qty, l.sku))
        .collect();
    println!(
        "after login the cart holds {skus:?} (version {v}, {:?})",
        mine.checkout
    );
    let gateway = TestGateway::default();
    gateway.script("capture", Script::TimeoutAfterSuccess);
    let options = CheckoutOptions::default();
    let order = shop.complete_checkout(&mine.id, "checkout-1", &gateway, &options)?;
    let again = shop.complete_checkout(&mine.id, "checkout-1", &gateway, &options)?;
    println!(
        "order #{} {:?}: {} USD; the same key again returns the same order: {}; provider acted {} times",
        order.number,
        order.status,
        order.grand_total,
        again == order,
        gateway.acted().len()
    );
    Ok(())
}

fn category(id: &str, parent: Option<&str>) -> Category {
    Category {
        id: id.into(),
        name: id.into(),
        parent: parent.map(Into::into),
        position: 0,
    }
}
