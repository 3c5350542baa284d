//! A stored document's body: its JSON text, shared, or the typed value it
//! was made from with its text written when first asked for.
//!
//! Documents cross the store boundary as JSON text rather than parsed
//! trees: the engine serializes its typed records straight to text and
//! parses text straight into them (no intermediate `serde_json::Value`
//! with an allocation per field), SQL stores keep the text as it is, and
//! the memory store hands every reader the same body (cloning a body is a
//! reference count).
//!
//! A store that keeps its documents in this process (the memory store,
//! see [`super::DocumentStore::keeps_values`]) takes them typed
//! ([`Body::typed`]): nothing is serialized unless a reader asks for the
//! text, and the engine reads its own records back without parsing
//! ([`Body::read`]). The text, when asked for, is the one [`Body::of`]
//! writes for the same value.

use std::any::Any;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The largest serialization buffer a thread keeps between documents.
const MAX_KEPT_BUFFER: usize = 1 << 20;

/// A document's JSON text, or the typed value it stands for.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use kassa::store::Body;
/// use serde_json::json;
///
/// let body = Body::from(json!({"next": 3}));
/// assert_eq!(body.text()?, r#"{"next":3}"#);
/// assert_eq!(body.to_value()?["next"], 3);
///
/// // A typed body writes its text only when asked, and reads back as is.
/// let typed = Body::typed(Arc::new(vec![1u64, 2]));
/// assert_eq!(typed.read::<Vec<u64>>("list")?, [1, 2]);
/// assert_eq!(typed.text()?, "[1,2]");
/// assert_eq!(typed, Body::from_text("[1,2]"));
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Clone)]
pub struct Body(Repr);

#[derive(Clone)]
enum Repr {
    Text(Arc<str>),
    Typed(Typed),
}

/// A typed value, how to write it, and its text once written.
///
/// Held inline, not behind a shared allocation of its own: a store keeps
/// one body per document and the engine makes one per save, so a wrapper
/// allocation was a dozen a checkout. A copy of the body shares the value
/// but writes its own text when asked (copies of a stored document are
/// rarely asked for their text).
#[derive(Clone)]
struct Typed {
    value: Arc<dyn Any + Send + Sync>,
    write: fn(&(dyn Any + Send + Sync), &mut Vec<u8>) -> serde_json::Result<()>,
    text: OnceLock<Arc<str>>,
}

/// Writes the `T` inside `value` as JSON.
fn write_as<T: Serialize + Any>(
    value: &(dyn Any + Send + Sync),
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    match value.downcast_ref::<T>() {
        Some(v) => serde_json::to_writer(out, v),
        // `Body::typed` pairs every value with the writer of its own type.
        None => Err(serde::ser::Error::custom("document of another type")),
    }
}

/// Serializes with `write` into a buffer kept per thread, then copies the
/// text once into a body of exactly its size (a growing fresh buffer
/// reallocated its way up for every document).
fn serialized(
    write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
) -> crate::Result<Arc<str>> {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let invalid =
        |e: &dyn fmt::Display| crate::catalog::limits::invalid("document", "json", e.to_string());
    BUFFER.with(|cell| {
        let mut fresh = Vec::new();
        // A serializer that re-enters (it never should) gets its own.
        let mut held = cell.try_borrow_mut().ok();
        let buffer = held.as_deref_mut().unwrap_or(&mut fresh);
        buffer.clear();
        write(&mut *buffer).map_err(|e| invalid(&e))?;
        let text = std::str::from_utf8(buffer).map_err(|e| invalid(&e))?;
        let text = Arc::from(text);
        if buffer.capacity() > MAX_KEPT_BUFFER {
            *buffer = Vec::new();
        }
        Ok(text)
    })
}

impl Body {
    /// `value` serialized now.
    ///
    /// # Errors
    ///
    /// `invalid_field` when it cannot be serialized (a map with non-text
    /// keys).
    pub fn of<T: Serialize + ?Sized>(value: &T) -> crate::Result<Body> {
        serialized(|out| serde_json::to_writer(out, value)).map(|text| Body(Repr::Text(text)))
    }

    /// `value` itself, serialized only when a reader asks for the text
    /// ([`Body::text`]); [`Body::read`] and [`Body::shared`] give it back
    /// without parsing.
    pub fn typed<T: Serialize + Any + Send + Sync>(value: Arc<T>) -> Body {
        Body(Repr::Typed(Typed {
            value,
            write: write_as::<T>,
            text: OnceLock::new(),
        }))
    }

    /// A body from JSON text a store kept (not checked here: parsing it
    /// reports a malformed one).
    pub fn from_text(text: impl Into<Arc<str>>) -> Body {
        Body(Repr::Text(text.into()))
    }

    /// The JSON text (a typed body is serialized on the first call and
    /// keeps its text).
    ///
    /// # Errors
    ///
    /// `invalid_field` when a typed value cannot be serialized (a map with
    /// non-text keys).
    pub fn text(&self) -> crate::Result<&str> {
        match &self.0 {
            Repr::Text(text) => Ok(text),
            Repr::Typed(typed) => {
                if let Some(text) = typed.text.get() {
                    return Ok(text);
                }
                let text = serialized(|out| (typed.write)(&*typed.value, out))?;
                Ok(typed.text.get_or_init(|| text))
            }
        }
    }

    /// Whether this is a typed body whose text has not been written.
    pub fn is_unwritten(&self) -> bool {
        matches!(&self.0, Repr::Typed(typed) if typed.text.get().is_none())
    }

    /// The typed value, when this body was made from a `T`.
    pub fn shared<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        match &self.0 {
            Repr::Typed(typed) => Arc::clone(&typed.value).downcast::<T>().ok(),
            Repr::Text(_) => None,
        }
    }

    /// The body as a `T`: the typed value itself when it was made from
    /// one, else the text parsed.
    ///
    /// # Errors
    ///
    /// `invalid_field` naming `what` when the text is not a `T`.
    pub fn read_shared<T: DeserializeOwned + Any + Send + Sync>(
        &self,
        what: &str,
    ) -> crate::Result<Arc<T>> {
        match self.shared::<T>() {
            Some(value) => Ok(value),
            None => self.parse(what).map(Arc::new),
        }
    }

    /// The body as an owned `T`: a copy of the typed value when it was
    /// made from one, else the text parsed.
    ///
    /// # Errors
    ///
    /// `invalid_field` naming `what` when the text is not a `T`.
    pub fn read<T: DeserializeOwned + Clone + Any + Send + Sync>(
        &self,
        what: &str,
    ) -> crate::Result<T> {
        match self.shared::<T>() {
            Some(value) => Ok(T::clone(&value)),
            None => self.parse(what),
        }
    }

    /// The text parsed into `T`.
    ///
    /// # Errors
    ///
    /// `invalid_field` naming `what` when the text is not a `T`.
    pub fn parse<T: DeserializeOwned>(&self, what: &str) -> crate::Result<T> {
        serde_json::from_str(self.text()?)
            .map_err(|e| crate::catalog::limits::invalid(what, "json", e.to_string()))
    }

    /// The text parsed into a JSON tree.
    ///
    /// # Errors
    ///
    /// `invalid_field` when the text is not JSON.
    pub fn to_value(&self) -> crate::Result<Value> {
        self.parse("document")
    }

    fn same(&self, other: &Body) -> bool {
        match (&self.0, &other.0) {
            (Repr::Text(a), Repr::Text(b)) => Arc::ptr_eq(a, b),
            (Repr::Typed(a), Repr::Typed(b)) => Arc::ptr_eq(&a.value, &b.value),
            _ => false,
        }
    }
}

impl PartialEq for Body {
    /// The same body, or the same text (a body that cannot be written
    /// equals only itself).
    fn eq(&self, other: &Body) -> bool {
        self.same(other) || matches!((self.text(), other.text()), (Ok(a), Ok(b)) if a == b)
    }
}

impl Eq for Body {}

impl Hash for Body {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Equal bodies have equal texts; one that cannot be written hashes
        // as nothing (it equals only itself).
        if let Ok(text) = self.text() {
            text.hash(state);
        }
    }
}

impl From<Value> for Body {
    fn from(value: Value) -> Body {
        Body::from(&value)
    }
}

impl From<&Value> for Body {
    fn from(value: &Value) -> Body {
        // A tree always prints: its keys are text.
        Body::from_text(value.to_string())
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text() {
            Ok(text) => f.write_str(text),
            Err(e) => write!(f, "<unwritable document: {e}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Doc {
        name: String,
        lines: Vec<u64>,
    }

    fn doc() -> Doc {
        Doc {
            name: "a \"quoted\" name\u{202e}".into(),
            lines: vec![3, 1],
        }
    }

    #[test]
    fn a_typed_body_writes_the_text_of_an_eager_one() {
        let typed = Body::typed(Arc::new(doc()));
        assert!(typed.is_unwritten());
        let eager = Body::of(&doc()).unwrap();
        assert_eq!(typed.text().unwrap(), eager.text().unwrap());
        assert!(!typed.is_unwritten());
        assert_eq!(typed, eager);
        assert_eq!(typed.parse::<Doc>("doc").unwrap(), doc());
    }

    #[test]
    fn a_typed_body_reads_back_without_parsing_and_a_text_one_parses() {
        let value = Arc::new(doc());
        let typed = Body::typed(Arc::clone(&value));
        let shared = typed.read_shared::<Doc>("doc").unwrap();
        assert!(Arc::ptr_eq(&shared, &value));
        assert!(typed.is_unwritten(), "reading it back wrote no text");
        assert_eq!(typed.read::<Doc>("doc").unwrap(), doc());
        let text = Body::from_text(typed.text().unwrap().to_owned());
        assert!(text.shared::<Doc>().is_none());
        assert_eq!(text.read::<Doc>("doc").unwrap(), doc());
        assert!(typed.shared::<String>().is_none(), "another type is not it");
    }

    #[test]
    fn a_body_that_cannot_be_written_fails_when_asked_for_its_text() {
        // JSON object keys must be text.
        let bad: BTreeMap<Vec<u8>, u64> = BTreeMap::from([(vec![1], 2)]);
        let typed = Body::typed(Arc::new(bad));
        let err = typed.text().unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        assert!(typed.to_value().is_err());
        assert_eq!(typed, typed.clone(), "it equals itself");
        assert_ne!(typed, Body::from_text("{}"));
        assert!(format!("{typed:?}").starts_with("<unwritable document"));
    }

    #[test]
    fn equal_texts_are_equal_bodies() {
        assert_eq!(Body::from_text("[1]"), Body::from_text(String::from("[1]")));
        assert_ne!(Body::from_text("[1]"), Body::from_text("[2]"));
    }
}
