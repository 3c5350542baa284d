//! [`Shared`]: a value behind a reference count, copied on write, so a
//! copy of a cart shares its lines until one of them changes.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `T` shared between copies and copied when written through
/// ([`Arc::make_mut`]): reading is a deref, cloning is a reference count,
/// and changing a field changes only this copy. It serializes as the `T`
/// itself.
///
/// A cart's lines are kept this way: the engine copies a cart for every
/// change (the stored one stays as it was), and a 50-line cart copied line
/// by line was a quarter of re-pricing it after one change.
///
/// # Examples
///
/// ```
/// use kassa::cart::{CartLine, Shared};
///
/// let line = Shared::new(CartLine {
///     id: "l1".into(),
///     sku: "TEE".into(),
///     qty: 2,
///     attributes: Default::default(),
///     snapshot: None,
/// });
/// let mut copy = line.clone();
/// assert!(Shared::ptr_eq(&line, &copy));
/// copy.qty = 3; // copies the line, then changes the copy
/// assert_eq!((line.qty, copy.qty), (2, 3));
/// assert!(!Shared::ptr_eq(&line, &copy));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    /// `value`, shared.
    pub fn new(value: T) -> Self {
        Shared(Arc::new(value))
    }

    /// Whether `a` and `b` share one value (no copy was written).
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl<T: Clone> Shared<T> {
    /// The value, taken out (copied when another holder shares it).
    pub fn into_inner(self) -> T {
        Arc::unwrap_or_clone(self.0)
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    /// Copies the value first when another holder shares it.
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'a, T> IntoIterator for &'a Shared<T>
where
    &'a T: IntoIterator,
{
    type Item = <&'a T as IntoIterator>::Item;
    type IntoIter = <&'a T as IntoIterator>::IntoIter;
    /// Iterates the shared collection (`for line in &order.lines`).
    fn into_iter(self) -> Self::IntoIter {
        (&*self.0).into_iter()
    }
}

impl<'a, T: Clone> IntoIterator for &'a mut Shared<T>
where
    &'a mut T: IntoIterator,
{
    type Item = <&'a mut T as IntoIterator>::Item;
    type IntoIter = <&'a mut T as IntoIterator>::IntoIter;
    /// Iterates the collection for writing, copying it first when another
    /// holder shares it.
    fn into_iter(self) -> Self::IntoIter {
        Arc::make_mut(&mut self.0).into_iter()
    }
}

impl<A, T: FromIterator<A>> FromIterator<A> for Shared<T> {
    /// Collects into a `T`, shared.
    fn from_iter<I: IntoIterator<Item = A>>(iter: I) -> Self {
        Shared::new(T::from_iter(iter))
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Shared::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_copies_only_the_written_value() {
        let lines: Vec<Shared<Vec<u32>>> = vec![Shared::new(vec![1]), Shared::new(vec![2])];
        let mut copy = lines.clone();
        copy[1].push(3);
        assert!(Shared::ptr_eq(&lines[0], &copy[0]));
        assert!(!Shared::ptr_eq(&lines[1], &copy[1]));
        assert_eq!((&*lines[1], &*copy[1]), (&vec![2], &vec![2, 3]));
    }

    #[test]
    fn a_shared_collection_iterates_and_collects_as_its_value() {
        let list: Shared<Vec<u32>> = (1..=3).collect();
        let copy = list.clone();
        assert_eq!((&list).into_iter().sum::<u32>(), 6);
        let mut written = list.clone();
        for n in &mut written {
            *n *= 10;
        }
        assert_eq!((&*written, &*copy), (&vec![10, 20, 30], &vec![1, 2, 3]));
        assert!(Shared::ptr_eq(&list, &copy) && !Shared::ptr_eq(&list, &written));
    }

    #[test]
    fn it_serializes_as_the_value() {
        let value = Shared::new(vec![1u8, 2]);
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(text, "[1,2]");
        let back: Shared<Vec<u8>> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        assert_eq!(back.into_inner(), vec![1, 2]);
    }
}
