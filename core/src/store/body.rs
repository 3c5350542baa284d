//! A stored document's body: its JSON text, shared.
//!
//! Documents cross the store boundary as JSON text rather than parsed
//! trees: the engine serializes its typed records straight to text and
//! parses text straight into them (no intermediate `serde_json::Value`
//! with an allocation per field), SQL stores keep the text as it is, and
//! the memory store hands every reader the same text (cloning a body is a
//! reference count).

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The largest serialization buffer a thread keeps between documents.
const MAX_KEPT_BUFFER: usize = 1 << 20;

/// A document's JSON text.
///
/// # Examples
///
/// ```
/// use kassa::store::Body;
/// use serde_json::json;
///
/// let body = Body::from(json!({"next": 3}));
/// assert_eq!(body.as_str(), r#"{"next":3}"#);
/// assert_eq!(body.to_value()?["next"], 3);
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Body(Arc<str>);

impl Body {
    /// `value` serialized.
    ///
    /// # Errors
    ///
    /// `invalid_field` when it cannot be serialized (a map with non-text
    /// keys).
    pub fn of<T: Serialize + ?Sized>(value: &T) -> crate::Result<Body> {
        // Written into a buffer kept per thread (a growing fresh buffer
        // reallocated its way up for every document), then copied once
        // into a body of exactly its size.
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let invalid = |e: &dyn fmt::Display| {
            crate::catalog::limits::invalid("document", "json", e.to_string())
        };
        BUFFER.with(|cell| {
            let mut fresh = Vec::new();
            // A serializer that re-enters (it never should) gets its own.
            let mut held = cell.try_borrow_mut().ok();
            let buffer = held.as_deref_mut().unwrap_or(&mut fresh);
            buffer.clear();
            serde_json::to_writer(&mut *buffer, value).map_err(|e| invalid(&e))?;
            let text = std::str::from_utf8(buffer).map_err(|e| invalid(&e))?;
            let body = Body(Arc::from(text));
            if buffer.capacity() > MAX_KEPT_BUFFER {
                *buffer = Vec::new();
            }
            Ok(body)
        })
    }

    /// A body from JSON text a store kept (not checked here: parsing it
    /// reports a malformed one).
    pub fn from_text(text: impl Into<Arc<str>>) -> Body {
        Body(text.into())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text parsed into `T`.
    ///
    /// # Errors
    ///
    /// `invalid_field` naming `what` when the text is not a `T`.
    pub fn parse<T: DeserializeOwned>(&self, what: &str) -> crate::Result<T> {
        serde_json::from_str(&self.0)
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
}

impl From<Value> for Body {
    fn from(value: Value) -> Body {
        Body::from(&value)
    }
}

impl From<&Value> for Body {
    fn from(value: &Value) -> Body {
        // A tree always prints: its keys are text.
        Body(value.to_string().into())
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
