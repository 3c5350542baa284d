//! Reading several documents at once
//! ([`crate::store::DocumentStore::load_many`]).

use serde_json::json;

use super::{ensure, run, Outcome};
use crate::store::Store;

/// `load_many` gives, in the order asked, what `load` gives for each key:
/// the same versions and bodies, none for a missing document (or one in
/// another collection), the same document twice when it is asked twice,
/// and hostile ids byte-identical; an empty request gives nothing.
/// `load_many_marked` gives the same documents.
///
/// # Errors
///
/// The violated property.
pub fn load_many_reads_like_load<S: Store>(store: S) -> Outcome {
    let odd = "x'); DROP TABLE documents;--\u{0}\u{202e}\u{1F600}";
    run(
        store.save("docs", "a", None, json!({ "n": 1 }).into(), Vec::new()),
        "save a",
    )?;
    run(
        store.save("docs", "a", Some(1), json!({ "n": 2 }).into(), Vec::new()),
        "save a again",
    )?;
    run(
        store.save("notes", "b", None, json!({ "n": 3 }).into(), Vec::new()),
        "save b",
    )?;
    run(
        store.save("docs", odd, None, json!({ "n": 4 }).into(), Vec::new()),
        "save an odd id",
    )?;
    let keys = [
        ("notes", "b"),
        ("docs", "a"),
        ("docs", "missing"),
        ("docs", "b"),
        ("docs", odd),
        ("docs", "a"),
    ];
    let many = run(store.load_many(&keys), "load_many")?;
    ensure(many.len() == keys.len(), || {
        format!("{} results for {} keys", many.len(), keys.len())
    })?;
    for ((collection, id), got) in keys.iter().zip(&many) {
        let one = run(store.load(collection, id), "load")?;
        let same = match (&one, got) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                a.version == b.version
                    && run(a.value.text(), "text")? == run(b.value.text(), "text")?
            }
            _ => false,
        };
        ensure(same, || {
            format!(
                "load_many gave {:?} for {collection}/{id:?}, load gave {:?}",
                got.as_ref().map(|d| d.version),
                one.as_ref().map(|d| d.version)
            )
        })?;
    }
    ensure(
        many[1].as_ref().map(|d| d.version) == Some(2) && many[2].is_none() && many[3].is_none(),
        || "load_many must give a at version 2 and nothing for the missing ones".into(),
    )?;
    let (marked, _) = run(store.load_many_marked(&keys), "load_many_marked")?;
    let versions = |docs: &[Option<crate::store::Versioned>]| -> Vec<Option<u64>> {
        docs.iter().map(|d| d.as_ref().map(|d| d.version)).collect()
    };
    ensure(versions(&marked) == versions(&many), || {
        format!(
            "load_many_marked gave {:?}, load_many {:?}",
            versions(&marked),
            versions(&many)
        )
    })?;
    let none = run(store.load_many(&[]), "load_many of nothing")?;
    ensure(none.is_empty(), || {
        format!("{} results for no keys", none.len())
    })
}
