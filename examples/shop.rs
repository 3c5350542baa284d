//! The catalog half of the demo, on a SQLite file: a small shop imported
//! from CSV (one row refused, with its reason), a faceted category page, a
//! text search, a kit reserved from its components, a guest cart merged at
//! login and checked out (a capture that times out after succeeding charges
//! once), the events the engine recorded, and the file reopened with the
//! order still in it.

use kassa::cart::{merge, Address, MergeStrategy};
use kassa::catalog::{AttributeDef, AttributeKind, CatalogQuery, Category, Facet, Sort, SortedMap};
use kassa::engine::{CheckoutOptions, Engine};
use kassa::inventory::StockKey;
use kassa::order::{LineEdit, LineQty, RefundMethod, ReturnItem, ReturnReason};
use kassa::payment::{Script, TestGateway};
use kassa::store::Store;
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

/// Runs the catalog demo in a fresh SQLite file under the system's
/// temporary directory, removed afterwards.
pub fn run() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("kassa-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| kassa::Error::Storage {
        reason: format!("cannot create {}: {e}", dir.display()),
    })?;
    let result = run_in(&dir.join("shop.db"));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(path: &std::path::Path) -> Result<()> {
    println!("== Catalog (a SQLite file: {})", path.display());
    let shop = kassa_sqlite::open(path)?;
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
    let order = checkout(&shop)?;

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

    // Another process (here: a second open) finds everything on disk.
    drop(shop);
    let reopened = kassa_sqlite::open(path)?;
    let (stored, _) = reopened.order(&order)?;
    println!(
        "reopened the file: order #{} ({} USD) is there, TEE-S has {} available",
        stored.number,
        stored.grand_total,
        reopened.stock_total("TEE-S")?.available
    );
    Ok(())
}

/// A guest fills a cart, logs in (merged into the customer's cart), pays;
/// returns the order id.
fn checkout<S: Store>(shop: &Engine<S>) -> Result<String> {
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
    // Before shipping, the customer asks for one more of the first line:
    // re-priced, its stock committed, the difference paid on its own.
    let more = [LineEdit::SetQuantity {
        line: 0,
        qty: order.lines[0].qty + 1,
    }];
    let edited = shop.edit_order(
        &order.id,
        &more,
        "edit-1",
        "customer:ada",
        &gateway,
        &options,
    )?;
    println!(
        "edited before shipping: {} x {} now; total {} -> {} USD, paid by {} payments",
        edited.lines[0].qty,
        edited.lines[0].sku,
        order.grand_total,
        edited.grand_total,
        edited.payments().count()
    );
    // After the sale: ship the first line now and the rest later, then
    // take one unit back, restock it and refund its exact share.
    let first = [LineQty {
        line: 0,
        qty: edited.lines[0].qty,
    }];
    let shipped = shop.fulfil_order(
        &order.id,
        &first,
        Some("Royal Mail"),
        Some("RM123"),
        "staff:ann",
    )?;
    let ret = shop.request_return(
        &order.id,
        &[ReturnItem {
            line: 0,
            qty: 1,
            reason: ReturnReason::SizeOrFit,
            note: Some("a size too small".into()),
        }],
        "customer:ada",
    )?;
    shop.approve_return(&ret.id, "staff:ann")?;
    shop.receive_return(&ret.id, &[true], "staff:ann")?;
    let ret = shop.refund_return(
        &ret.id,
        RefundMethod::OriginalPayment,
        "staff:ann",
        &gateway,
        &options,
    )?;
    let (after, _) = shop.order(&order.id)?;
    println!(
        "shipped line 1 ({}), returned 1 x {}: refunded {} of its {} line (from the newest payment), kept {}; audit: {:?}",
        shipped.status.as_str(),
        after.lines[0].sku,
        ret.refund
            .map_or_else(String::new, |r| r.amount.to_string()),
        after.lines[0].total,
        after.net_paid()?,
        after
            .history
            .iter()
            .map(|h| format!("{} by {}", h.action, h.actor))
            .collect::<Vec<_>>()
    );
    Ok(order.id.to_string())
}

fn category(id: &str, parent: Option<&str>) -> Category {
    Category {
        id: id.into(),
        name: id.into(),
        parent: parent.map(Into::into),
        position: 0,
    }
}
