//! Catalog queries through the engine: filters, facets, sorting, text
//! search and cursor pagination, on a small hand-checked catalog.

use std::sync::Arc;

use kassa::catalog::{
    AttributeDef, AttributeKind, AttributeValue, CatalogQuery, Category, Collection,
    CollectionCondition, CollectionRule, Facet, Product, ProductOption, ProductStatus, Sort,
    Variant,
};
use kassa::engine::{Engine, ManualClock, SequentialIds};
use kassa::inventory::StockKey;
use kassa::pricing::Timestamp;
use kassa::store::MemoryStore;
use kassa::{Currency, Money};

fn usd(cents: i64) -> Money {
    Money::from_minor_units(cents, Currency::USD)
}

struct Shop {
    engine: Engine<MemoryStore>,
    clock: Arc<ManualClock>,
}

/// id, name, category, tags, material, [(sku, size, cents)]
type Row<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a [&'a str],
    &'a str,
    &'a [(&'a str, &'a str, i64)],
);

const ROWS: &[Row<'static>] = &[
    (
        "tee",
        "Organic Cotton Tee",
        "tees",
        &["organic"],
        "cotton",
        &[("TEE-S", "S", 1500), ("TEE-M", "M", 1900)],
    ),
    (
        "polo",
        "Piqué Polo",
        "polos",
        &[],
        "cotton",
        &[("POLO-M", "M", 3500), ("POLO-L", "L", 3900)],
    ),
    (
        "linen",
        "Linen Shirt",
        "shirts",
        &["summer"],
        "linen",
        &[("LIN-M", "M", 5900)],
    ),
    (
        "crew",
        "Crew Sweater",
        "knit",
        &["organic"],
        "wool",
        &[("CREW-L", "L", 8900)],
    ),
    (
        "cafe",
        "Café Crème Mug",
        "home",
        &[],
        "ceramic",
        &[("MUG-1", "one", 900)],
    ),
];

fn shop() -> Shop {
    let clock = Arc::new(ManualClock::new(Timestamp(1_000)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        Arc::new(SequentialIds::default()),
    );
    let cat = |id: &str, parent: Option<&str>| Category {
        id: id.into(),
        name: id.into(),
        parent: parent.map(Into::into),
        position: 0,
    };
    for (id, parent) in [
        ("apparel", None),
        ("tops", Some("apparel")),
        ("tees", Some("tops")),
        ("polos", Some("tops")),
        ("shirts", Some("tops")),
        ("knit", Some("apparel")),
        ("home", None),
    ] {
        engine.put_category(cat(id, parent)).unwrap();
    }
    let materials = ["cotton", "linen", "wool", "ceramic"]
        .map(String::from)
        .to_vec();
    engine
        .define_attribute(AttributeDef::new(
            "material",
            "Material",
            AttributeKind::Enum { values: materials },
        ))
        .unwrap();
    for (id, name, category, tags, material, variants) in ROWS {
        let mut p = Product::new(*id, *name);
        p.status = ProductStatus::Active;
        p.categories = vec![(*category).into()];
        p.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        p.attributes
            .insert("material".into(), AttributeValue::Enum((*material).into()));
        p.options = vec![ProductOption {
            name: "size".into(),
            values: variants.iter().map(|(_, s, _)| (*s).to_owned()).collect(),
        }];
        p.description = format!("A {material} piece from our {category} range.");
        for (sku, size, cents) in *variants {
            let mut v = Variant::new(*sku);
            v.options.insert("size".into(), (*size).into());
            v.prices.push(usd(*cents));
            p.variants.push(v);
        }
        engine.create_product(p).unwrap();
        clock.advance(1_000);
        for (sku, _, _) in *variants {
            engine
                .adjust_stock(&StockKey::new(*sku, "main"), 3, "delivery")
                .unwrap();
        }
    }
    Shop { engine, clock }
}

fn ids(engine: &Engine<MemoryStore>, q: &CatalogQuery) -> Vec<String> {
    engine
        .query(q)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn q() -> CatalogQuery {
    CatalogQuery {
        currency: Some(Currency::USD),
        ..CatalogQuery::default()
    }
}

#[test]
fn filters_narrow_the_result() {
    let Shop { engine, .. } = shop();
    let cases: Vec<(&str, CatalogQuery, Vec<&str>)> = vec![
        (
            "everything, by name",
            q(),
            vec!["cafe", "crew", "linen", "tee", "polo"],
        ),
        (
            "category with descendants",
            CatalogQuery {
                category: Some("tops".into()),
                ..q()
            },
            vec!["linen", "tee", "polo"],
        ),
        (
            "leaf category",
            CatalogQuery {
                category: Some("knit".into()),
                ..q()
            },
            vec!["crew"],
        ),
        (
            "tag",
            CatalogQuery {
                tags: vec!["organic".into()],
                ..q()
            },
            vec!["crew", "tee"],
        ),
        (
            "attribute, any of",
            CatalogQuery {
                attributes: [(
                    "material".to_owned(),
                    vec!["linen".to_owned(), "wool".to_owned()],
                )]
                .into(),
                ..q()
            },
            vec!["crew", "linen"],
        ),
        (
            "option",
            CatalogQuery {
                options: [("size".to_owned(), vec!["L".to_owned()])].into(),
                ..q()
            },
            vec!["crew", "polo"],
        ),
        (
            "price range on one variant",
            CatalogQuery {
                min_price: Some(usd(1800)),
                max_price: Some(usd(3600)),
                ..q()
            },
            vec!["tee", "polo"],
        ),
        (
            "size and price on the same variant",
            CatalogQuery {
                options: [("size".to_owned(), vec!["S".to_owned()])].into(),
                min_price: Some(usd(1800)),
                ..q()
            },
            vec![],
        ),
    ];
    for (what, query, want) in cases {
        assert_eq!(ids(&engine, &query), want, "{what}");
    }
}

#[test]
fn sorts_are_deterministic() {
    let Shop { engine, .. } = shop();
    let by = |sort| ids(&engine, &CatalogQuery { sort, ..q() });
    assert_eq!(by(Sort::PriceAsc), ["cafe", "tee", "polo", "linen", "crew"]);
    assert_eq!(
        by(Sort::PriceDesc),
        ["crew", "linen", "polo", "tee", "cafe"]
    );
    // "Organic Cotton Tee" < "Piqué Polo": names compare folded.
    assert_eq!(by(Sort::NameAsc), ["cafe", "crew", "linen", "tee", "polo"]);
    assert_eq!(by(Sort::NameDesc), ["polo", "tee", "linen", "crew", "cafe"]);
    assert_eq!(by(Sort::Newest), ["cafe", "crew", "linen", "polo", "tee"]);
    // Best-selling: committed units, fed by orders.
    for (sku, qty) in [("LIN-M", 2), ("POLO-M", 1), ("POLO-L", 2)] {
        let r = engine
            .reserve(&StockKey::new(sku, "main"), qty, 60_000)
            .unwrap();
        engine.commit(&r.id).unwrap();
    }
    assert_eq!(
        by(Sort::BestSelling),
        ["polo", "linen", "cafe", "crew", "tee"]
    );
    // A hit's price is its cheapest matching variant.
    let page = engine
        .query(&CatalogQuery {
            sort: Sort::PriceAsc,
            ..q()
        })
        .unwrap();
    assert_eq!(page.hits[1].price, Some(usd(1500)));
    assert_eq!(page.hits[1].skus, ["TEE-S", "TEE-M"]);
}

#[test]
fn text_search_is_accent_and_case_insensitive_with_prefixes_and_ranking() {
    let Shop { engine, .. } = shop();
    let search = |text: &str| {
        ids(
            &engine,
            &CatalogQuery {
                text: Some(text.into()),
                ..q()
            },
        )
    };
    assert_eq!(search("CAFE creme"), ["cafe"]);
    assert_eq!(search("pique"), ["polo"]);
    assert_eq!(search("sh"), ["linen"]);
    assert_eq!(search("polo-l"), ["polo"]); // SKU tokens
                                            // "cotton" is in the tee's name (weight 3) and in the polo's description (weight 1).
    assert_eq!(search("cotton"), ["tee", "polo"]);
    assert!(search("cotton mug").is_empty());
    let page = engine
        .query(&CatalogQuery {
            text: Some("cotton".into()),
            ..q()
        })
        .unwrap();
    assert!(page.hits[0].score > page.hits[1].score);
}

#[test]
fn facets_count_the_current_result() {
    let Shop { engine, .. } = shop();
    let r = engine
        .reserve(&StockKey::new("CREW-L", "main"), 3, 60_000)
        .unwrap();
    let page = engine
        .query(&CatalogQuery {
            category: Some("apparel".into()),
            facets: vec![
                Facet::Attribute("material".into()),
                Facet::Option("size".into()),
                Facet::Tags,
                Facet::InStock,
            ],
            ..q()
        })
        .unwrap();
    let counts = |facet: &str| -> Vec<(String, usize)> {
        page.facets[facet]
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    let pairs = |v: &[(&str, usize)]| -> Vec<(String, usize)> {
        v.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
    };
    assert_eq!(page.total, 4);
    assert_eq!(
        counts("attribute:material"),
        pairs(&[("cotton", 2), ("linen", 1), ("wool", 1)])
    );
    assert_eq!(
        counts("option:size"),
        pairs(&[("L", 2), ("M", 3), ("S", 1)])
    );
    assert_eq!(counts("tags"), pairs(&[("organic", 2), ("summer", 1)]));
    assert_eq!(counts("in_stock"), pairs(&[("false", 1), ("true", 3)]));
    // The in-stock filter drops the sold-out sweater; release brings it back.
    let stocked = CatalogQuery {
        in_stock: true,
        category: Some("apparel".into()),
        ..q()
    };
    assert_eq!(ids(&engine, &stocked), ["linen", "tee", "polo"]);
    engine.release(&r.id).unwrap();
    assert_eq!(ids(&engine, &stocked), ["crew", "linen", "tee", "polo"]);
}

#[test]
fn cursor_pages_cover_everything_once_even_when_products_are_added_between_pages() {
    let Shop { engine, clock } = shop();
    for sort in [
        Sort::PriceAsc,
        Sort::NameDesc,
        Sort::Newest,
        Sort::Relevance,
    ] {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = engine
                .query(&CatalogQuery {
                    sort,
                    limit: 2,
                    cursor,
                    ..q()
                })
                .unwrap();
            assert!(page.hits.len() <= 2);
            assert_eq!(page.total, 5);
            seen.extend(page.hits.into_iter().map(|h| h.id));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let all = ids(
            &engine,
            &CatalogQuery {
                sort,
                limit: 50,
                ..q()
            },
        );
        assert_eq!(seen, all, "{sort:?}");
    }
    // Keyset pagination: a product added before the cursor does not shift the next page.
    let first = engine
        .query(&CatalogQuery {
            sort: Sort::PriceAsc,
            limit: 2,
            ..q()
        })
        .unwrap();
    let mut cheap = Product::new("aaa", "Sticker");
    cheap.status = ProductStatus::Active;
    let mut v = Variant::new("STICK");
    v.prices.push(usd(100));
    cheap.variants.push(v);
    engine.create_product(cheap).unwrap();
    clock.advance(1);
    let second = engine
        .query(&CatalogQuery {
            sort: Sort::PriceAsc,
            limit: 2,
            cursor: first.next_cursor.clone(),
            ..q()
        })
        .unwrap();
    assert_eq!(
        second
            .hits
            .iter()
            .map(|h| h.id.as_str())
            .collect::<Vec<_>>(),
        ["polo", "linen"]
    );
    // A cursor belongs to its sort order.
    let err = engine
        .query(&CatalogQuery {
            sort: Sort::NameAsc,
            cursor: first.next_cursor,
            ..q()
        })
        .unwrap_err();
    assert_eq!(err.code(), "invalid_cursor");
}

#[test]
fn statuses_channels_and_collections() {
    let Shop { engine, .. } = shop();
    let (mut crew, version) = engine
        .product("crew")
        .map(|(p, v)| ((*p).clone(), v))
        .unwrap();
    crew.status = ProductStatus::Archived;
    crew.channels = vec!["pos".into()];
    engine.update_product(crew, version).unwrap();
    assert!(!ids(&engine, &q()).contains(&"crew".to_owned()));
    let archived = CatalogQuery {
        statuses: vec![ProductStatus::Archived],
        ..q()
    };
    assert_eq!(ids(&engine, &archived), ["crew"]);
    let web = CatalogQuery {
        channel: Some("web".into()),
        statuses: vec![ProductStatus::Active, ProductStatus::Archived],
        ..q()
    };
    assert!(!ids(&engine, &web).contains(&"crew".to_owned()));

    engine
        .put_collection(Collection {
            id: "picks".into(),
            name: "Staff picks".into(),
            rule: CollectionRule::Manual {
                products: vec!["linen".into(), "cafe".into(), "gone".into()],
            },
        })
        .unwrap();
    engine
        .put_collection(Collection {
            id: "cheap-cotton".into(),
            name: "Cotton under 20".into(),
            rule: CollectionRule::Rules {
                all: vec![
                    CollectionCondition::Attribute {
                        code: "material".into(),
                        value: "cotton".into(),
                    },
                    CollectionCondition::Price {
                        min: None,
                        max: Some(usd(2000)),
                    },
                ],
            },
        })
        .unwrap();
    assert_eq!(
        ids(
            &engine,
            &CatalogQuery {
                collection: Some("picks".into()),
                ..q()
            }
        ),
        ["cafe", "linen"]
    );
    assert_eq!(
        ids(
            &engine,
            &CatalogQuery {
                collection: Some("cheap-cotton".into()),
                ..q()
            }
        ),
        ["tee"]
    );
    for (query, code) in [
        (
            CatalogQuery {
                collection: Some("nope".into()),
                ..q()
            },
            "unknown_collection",
        ),
        (
            CatalogQuery {
                category: Some("nope".into()),
                ..q()
            },
            "unknown_category",
        ),
        (CatalogQuery { limit: 201, ..q() }, "invalid_quantity"),
        (
            CatalogQuery {
                min_price: Some(Money::from_minor_units(1, Currency::EUR)),
                ..q()
            },
            "currency_mismatch",
        ),
        (
            CatalogQuery {
                cursor: Some("not-a-cursor".into()),
                ..q()
            },
            "invalid_cursor",
        ),
    ] {
        assert_eq!(engine.query(&query).unwrap_err().code(), code);
    }
}

#[test]
fn attributes_are_typed_by_their_definitions() {
    let Shop { engine, .. } = shop();
    let (tee, version) = engine.product("tee").unwrap();
    let mut bad = (*tee).clone();
    bad.attributes
        .insert("material".into(), AttributeValue::Enum("silk".into()));
    assert_eq!(
        engine.update_product(bad, version).unwrap_err().code(),
        "invalid_attribute"
    );
    let mut undefined = (*tee).clone();
    undefined
        .attributes
        .insert("colour".into(), AttributeValue::Text("red".into()));
    assert_eq!(
        engine
            .update_product(undefined, version)
            .unwrap_err()
            .code(),
        "invalid_attribute"
    );
    // Narrowing a definition that products use is refused.
    let narrower = AttributeDef::new(
        "material",
        "Material",
        AttributeKind::Enum {
            values: vec!["wool".into()],
        },
    );
    assert_eq!(
        engine.define_attribute(narrower).unwrap_err().code(),
        "invalid_attribute"
    );
    assert_eq!(
        engine.product("tee").unwrap().1,
        version,
        "refused saves change nothing"
    );
}
