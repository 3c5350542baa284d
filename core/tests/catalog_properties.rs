//! Property tests of catalog queries: on random catalogs (with products
//! saved more than once) and random queries, every page of the engine's
//! answer, the total and the facet counts equal those of a naive reference
//! that filters and sorts the products directly.
//!
//! `KASSA_PROPTEST_CASES` sets the number of cases (default 2,000).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use kassa::catalog::{
    fold, tokens, AttributeDef, AttributeKind, AttributeValue, CatalogQuery, Category, Facet,
    Product, ProductOption, ProductStatus, Sort, Variant,
};
use kassa::engine::{Engine, ManualClock, SequentialIds};
use kassa::pricing::Timestamp;
use kassa::store::MemoryStore;
use kassa::{Currency, Money};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("KASSA_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(2_000, |n: u32| (n / 5).max(1))
}

const WORDS: [&str; 8] = [
    "tee", "Tée", "shirt", "cotton", "Coton", "linen", "mug", "sh",
];
const TAGS: [&str; 4] = ["new", "sale", "eco", "kids"];
const CATEGORIES: [(&str, Option<&str>); 5] = [
    ("a", None),
    ("a1", Some("a")),
    ("a2", Some("a")),
    ("a1x", Some("a1")),
    ("b", None),
];
const MATERIALS: [&str; 3] = ["cotton", "linen", "wool"];
const SIZES: [&str; 3] = ["S", "M", "L"];
const CHANNELS: [&str; 2] = ["web", "pos"];

#[derive(Debug, Clone)]
struct Spec {
    id: u8,
    name: Vec<u8>,
    status: u8,
    tags: Vec<u8>,
    category: Option<u8>,
    material: Option<u8>,
    channel: Option<u8>,
    variants: Vec<(u8, Option<i64>)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u8..12,
        prop::collection::vec(0u8..8, 1..4),
        0u8..3,
        prop::collection::vec(0u8..4, 0..3),
        prop::option::of(0u8..5),
        prop::option::of(0u8..3),
        prop::option::of(0u8..2),
        prop::collection::vec((0u8..3, prop::option::of(1i64..60)), 1..4),
    )
        .prop_map(
            |(id, name, status, tags, category, material, channel, variants)| Spec {
                id,
                name,
                status,
                tags,
                category,
                material,
                channel,
                variants,
            },
        )
}

fn product(s: &Spec, generation: usize) -> Product {
    let name: Vec<&str> = s.name.iter().map(|w| WORDS[*w as usize]).collect();
    let mut p = Product::new(format!("p{:02}", s.id), name.join(" "));
    p.description = format!("generation {generation}");
    p.status = [
        ProductStatus::Draft,
        ProductStatus::Active,
        ProductStatus::Archived,
    ][s.status as usize];
    p.tags = s
        .tags
        .iter()
        .map(|t| TAGS[*t as usize].to_owned())
        .collect();
    p.tags.dedup();
    p.categories = s
        .category
        .map(|c| CATEGORIES[c as usize].0.to_owned())
        .into_iter()
        .collect();
    if let Some(m) = s.material {
        p.attributes.insert(
            "material".into(),
            AttributeValue::Enum(MATERIALS[m as usize].into()),
        );
    }
    p.channels = s
        .channel
        .map(|c| CHANNELS[c as usize].to_owned())
        .into_iter()
        .collect();
    let mut sizes: Vec<String> = Vec::new();
    for (k, (size, price)) in s.variants.iter().enumerate() {
        let size = SIZES[*size as usize].to_owned();
        if !sizes.contains(&size) {
            sizes.push(size.clone());
        }
        let mut v = Variant::new(format!("S{:02}-{k}", s.id));
        v.options.insert("size".into(), size);
        if let Some(units) = price {
            v.prices
                .push(Money::from_minor_units(units * 100, Currency::USD));
        }
        p.variants.push(v);
    }
    p.options = vec![ProductOption {
        name: "size".into(),
        values: sizes,
    }];
    p
}

#[derive(Debug, Clone)]
struct QSpec {
    text: Option<Vec<u8>>,
    category: Option<u8>,
    tag: Option<u8>,
    materials: Option<Vec<u8>>,
    size: Option<u8>,
    price: Option<(i64, i64)>,
    channel: Option<u8>,
    statuses: Vec<u8>,
    sort: u8,
    limit: usize,
}

fn qspec() -> impl Strategy<Value = QSpec> {
    (
        prop::option::of(prop::collection::vec(0u8..8, 1..3)),
        prop::option::of(0u8..5),
        prop::option::of(0u8..4),
        prop::option::of(prop::collection::vec(0u8..3, 1..3)),
        prop::option::of(0u8..3),
        prop::option::of((1i64..60, 0i64..30)),
        prop::option::of(0u8..2),
        prop::collection::vec(0u8..3, 0..3),
        0u8..7,
        1usize..6,
    )
        .prop_map(
            |(text, category, tag, materials, size, price, channel, statuses, sort, limit)| QSpec {
                text,
                category,
                tag,
                materials,
                size,
                price,
                channel,
                statuses,
                sort,
                limit,
            },
        )
}

const SORTS: [Sort; 7] = [
    Sort::Relevance,
    Sort::PriceAsc,
    Sort::PriceDesc,
    Sort::NameAsc,
    Sort::NameDesc,
    Sort::Newest,
    Sort::BestSelling,
];

fn query(q: &QSpec) -> CatalogQuery {
    let words = |w: &Vec<u8>| {
        w.iter()
            .map(|i| WORDS[*i as usize])
            .collect::<Vec<_>>()
            .join(" ")
    };
    CatalogQuery {
        text: q.text.as_ref().map(words),
        category: q.category.map(|c| CATEGORIES[c as usize].0.to_owned()),
        tags: q
            .tag
            .map(|t| TAGS[t as usize].to_owned())
            .into_iter()
            .collect(),
        attributes: q
            .materials
            .as_ref()
            .map(|m| {
                [(
                    "material".to_owned(),
                    m.iter()
                        .map(|i| MATERIALS[*i as usize].to_owned())
                        .collect(),
                )]
                .into()
            })
            .unwrap_or_default(),
        options: q
            .size
            .map(|s| [("size".to_owned(), vec![SIZES[s as usize].to_owned()])].into())
            .unwrap_or_default(),
        currency: Some(Currency::USD),
        min_price: q
            .price
            .map(|(lo, _)| Money::from_minor_units(lo * 100, Currency::USD)),
        max_price: q
            .price
            .map(|(lo, span)| Money::from_minor_units((lo + span) * 100, Currency::USD)),
        channel: q.channel.map(|c| CHANNELS[c as usize].to_owned()),
        statuses: q
            .statuses
            .iter()
            .map(|s| {
                [
                    ProductStatus::Draft,
                    ProductStatus::Active,
                    ProductStatus::Archived,
                ][*s as usize]
            })
            .collect(),
        sort: SORTS[q.sort as usize],
        facets: vec![
            Facet::Tags,
            Facet::Attribute("material".into()),
            Facet::Option("size".into()),
        ],
        limit: q.limit,
        ..CatalogQuery::default()
    }
}

/// The reference: filters and sorts the stored products directly.
struct Expected {
    ids: Vec<String>,
    facets: BTreeMap<String, BTreeMap<String, usize>>,
}

fn text_score(p: &Product, text: &str) -> Option<u32> {
    let fields: [(u32, Vec<String>); 3] = [
        (3, tokens(&p.name)),
        (
            2,
            tokens(
                &p.variants
                    .iter()
                    .map(|v| v.sku.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        ),
        (1, tokens(&p.description)),
    ];
    let mut terms = tokens(text);
    terms.sort();
    terms.dedup();
    let mut total = 0;
    for term in &terms {
        let mut best = None;
        for (w, toks) in &fields {
            for t in toks.iter().filter(|t| t.starts_with(term.as_str())) {
                let score = w * if t == term { 2 } else { 1 };
                best = best.max(Some(score));
            }
        }
        total += best?;
    }
    Some(total)
}

fn reference(products: &[(Product, i64)], q: &CatalogQuery) -> Expected {
    let descendants = |root: &str| -> Vec<&str> {
        let mut out = vec![];
        for (id, _) in CATEGORIES {
            let mut at = Some(id);
            while let Some(c) = at {
                if c == root {
                    out.push(id);
                    break;
                }
                at = CATEGORIES
                    .iter()
                    .find(|(i, _)| *i == c)
                    .and_then(|(_, p)| *p);
            }
        }
        out
    };
    let statuses = if q.statuses.is_empty() {
        vec![ProductStatus::Active]
    } else {
        q.statuses.clone()
    };
    let mut hits: Vec<(&Product, i64, u32, Option<i64>)> = Vec::new();
    let mut facets: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (p, created) in products {
        let score = match &q.text {
            Some(t) => match text_score(p, t) {
                Some(s) => s,
                None => continue,
            },
            None => 0,
        };
        let product_ok = statuses.contains(&p.status)
            && q.channel.as_deref().is_none_or(|c| p.in_channel(c))
            && q.tags.iter().all(|t| p.tags.contains(t))
            && q.attributes.iter().all(|(code, values)| {
                p.attributes
                    .get(code)
                    .is_some_and(|v| values.iter().any(|w| v.matches_text(w)))
            })
            && q.category.as_deref().is_none_or(|c| {
                let d = descendants(c);
                p.categories.iter().any(|pc| d.contains(&pc.as_str()))
            });
        if !product_ok {
            continue;
        }
        let variants: Vec<&Variant> = p
            .variants
            .iter()
            .filter(|v| {
                q.options
                    .iter()
                    .all(|(n, vals)| v.options.get(n).is_some_and(|x| vals.contains(x)))
                    && (q.min_price.is_none() && q.max_price.is_none()
                        || v.price(Currency::USD).is_some_and(|m| {
                            q.min_price
                                .is_none_or(|lo| m.minor_units() >= lo.minor_units())
                                && q.max_price
                                    .is_none_or(|hi| m.minor_units() <= hi.minor_units())
                        }))
            })
            .collect();
        if variants.is_empty() {
            continue;
        }
        let price = variants
            .iter()
            .filter_map(|v| v.price(Currency::USD))
            .map(|m| m.minor_units())
            .min();
        let mut bump = |facet: &str, value: &str| {
            *facets
                .entry(facet.to_owned())
                .or_default()
                .entry(value.to_owned())
                .or_insert(0) += 1;
        };
        for t in &p.tags {
            bump("tags", t);
        }
        if let Some(m) = p.attributes.get("material") {
            bump("attribute:material", &m.facet_text());
        }
        let mut sizes: Vec<&String> = variants
            .iter()
            .filter_map(|v| v.options.get("size"))
            .collect();
        sizes.sort();
        sizes.dedup();
        for s in sizes {
            bump("option:size", s);
        }
        hits.push((p, *created, score, price));
    }
    let missing = i128::from(i64::MAX) + 1;
    hits.sort_by(|a, b| {
        let key = |h: &(&Product, i64, u32, Option<i64>)| -> (i128, String) {
            match q.sort {
                Sort::Relevance if q.text.is_some() => (-i128::from(h.2), String::new()),
                Sort::Relevance | Sort::NameAsc | Sort::NameDesc => (0, fold(&h.0.name)),
                Sort::PriceAsc => (h.3.map_or(missing, i128::from), String::new()),
                Sort::PriceDesc => (h.3.map_or(missing, |p| -i128::from(p)), String::new()),
                Sort::Newest => (-i128::from(h.1), String::new()),
                Sort::BestSelling => (0, String::new()),
            }
        };
        let by_key = if q.sort == Sort::NameDesc {
            key(b).cmp(&key(a))
        } else {
            key(a).cmp(&key(b))
        };
        by_key.then_with(|| a.0.id.cmp(&b.0.id))
    });
    Expected {
        ids: hits.iter().map(|h| h.0.id.clone()).collect(),
        facets,
    }
}

fn setup(specs: &[Spec]) -> (Engine<MemoryStore>, Vec<(Product, i64)>) {
    let clock = std::sync::Arc::new(ManualClock::new(Timestamp(0)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        std::sync::Arc::new(SequentialIds::default()),
    );
    for (id, parent) in CATEGORIES {
        engine
            .put_category(Category {
                id: id.into(),
                name: id.into(),
                parent: parent.map(Into::into),
                position: 0,
            })
            .unwrap();
    }
    let values = MATERIALS.iter().map(|m| (*m).to_owned()).collect();
    engine
        .define_attribute(AttributeDef::new(
            "material",
            "Material",
            AttributeKind::Enum { values },
        ))
        .unwrap();
    let mut stored: BTreeMap<String, (Product, i64)> = BTreeMap::new();
    for (generation, s) in specs.iter().enumerate() {
        clock.advance(10);
        let p = product(s, generation);
        let result = match engine.product(&p.id) {
            Ok((_, version)) => engine.update_product(p.clone(), version),
            Err(_) => engine.create_product(p.clone()),
        };
        if result.is_ok() {
            let created = stored.get(&p.id).map_or(clock.now_ms(), |(_, c)| *c);
            stored.insert(p.id.clone(), (p, created));
        }
    }
    (engine, stored.into_values().collect())
}

trait NowMs {
    fn now_ms(&self) -> i64;
}

impl NowMs for ManualClock {
    fn now_ms(&self) -> i64 {
        kassa::engine::Clock::now(self).0
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn queries_match_the_reference(specs in prop::collection::vec(spec(), 0..30), qs in prop::collection::vec(qspec(), 1..4)) {
        let (engine, products) = setup(&specs);
        for qs in &qs {
            let mut q = query(qs);
            let want = reference(&products, &q);
            let mut got = Vec::new();
            loop {
                let page = engine.query(&q).unwrap();
                prop_assert_eq!(page.total, want.ids.len());
                prop_assert!(page.hits.len() <= q.limit);
                let facets: BTreeMap<String, BTreeMap<String, usize>> =
                    page.facets.into_iter().filter(|(_, v)| !v.is_empty()).collect();
                prop_assert_eq!(&facets, &want.facets);
                got.extend(page.hits.into_iter().map(|h| h.id));
                match page.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => break,
                }
            }
            prop_assert_eq!(&got, &want.ids, "query {:?}", qs);
        }
    }
}

#[test]
fn many_saves_of_one_product_compact_the_index_and_queries_stay_right() {
    let specs: Vec<Spec> = (0..2_100)
        .map(|i| Spec {
            id: (i % 2) as u8,
            name: vec![(i % 8) as u8],
            status: 1,
            tags: vec![(i % 4) as u8],
            category: Some((i % 5) as u8),
            material: Some((i % 3) as u8),
            channel: None,
            variants: vec![((i % 3) as u8, Some(1 + (i % 50) as i64))],
        })
        .collect();
    let (engine, products) = setup(&specs);
    assert_eq!(products.len(), 2);
    for sort in SORTS {
        let q = CatalogQuery {
            sort,
            currency: Some(Currency::USD),
            ..CatalogQuery::default()
        };
        let got: Vec<String> = engine
            .query(&q)
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(got, reference(&products, &q).ids, "{sort:?}");
    }
    let (p, version) = engine.product("p00").unwrap();
    assert_eq!(version, 1_050);
    assert_eq!(p.description, "generation 2098");
    assert_eq!(
        Ordering::Equal,
        engine
            .product_by_sku("S00-0")
            .unwrap()
            .0
            .id
            .cmp(&"p00".to_owned())
    );
}
