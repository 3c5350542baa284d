//! The category tree: create, move, reorder, never a cycle.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::limits::{self, MAX_ID_BYTES, MAX_NAME_BYTES};
use crate::error::{shown, Error, Result};

/// A category: a node of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Unique in the store.
    pub id: String,
    /// Shown to shoppers.
    pub name: String,
    /// The parent; none for a root.
    #[serde(default)]
    pub parent: Option<String>,
    /// Order among its siblings (smaller first; ties by id).
    #[serde(default)]
    pub position: u32,
}

/// The category tree. Pure: the store holds one and applies these
/// operations inside its atomic section.
///
/// A clone shares the nodes (a reference count, no copy) until one side
/// changes them; [`CategoryTree::same_as`] tells whether two trees still
/// share them, so a reader can keep what it derived from a tree until the
/// tree changes.
///
/// # Examples
///
/// ```
/// use kassa::catalog::{Category, CategoryTree};
/// let mut tree = CategoryTree::default();
/// let cat = |id: &str, parent: Option<&str>| Category {
///     id: id.into(), name: id.into(), parent: parent.map(Into::into), position: 0,
/// };
/// tree.insert(cat("apparel", None))?;
/// tree.insert(cat("tops", Some("apparel")))?;
/// tree.insert(cat("tees", Some("tops")))?;
/// assert_eq!(tree.descendants("apparel")?, ["apparel", "tops", "tees"]);
/// // Moving a category under its own descendant is refused.
/// assert_eq!(tree.move_to("apparel", Some("tees"), 0).unwrap_err().code(), "category_cycle");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct CategoryTree {
    nodes: Arc<FxHashMap<String, Category>>,
}

impl CategoryTree {
    /// A tree of `categories` as a store wrote them, without checks (see
    /// [`CategoryTree::restore`]).
    pub fn from_stored(categories: impl IntoIterator<Item = Category>) -> Self {
        let nodes = categories.into_iter().map(|c| (c.id.clone(), c)).collect();
        CategoryTree {
            nodes: Arc::new(nodes),
        }
    }

    /// True when `other` is a clone of this tree and neither has changed
    /// since: what was derived from one holds for the other.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::catalog::{Category, CategoryTree};
    /// let mut tree = CategoryTree::default();
    /// let snapshot = tree.clone();
    /// assert!(tree.same_as(&snapshot));
    /// tree.restore(Category { id: "tees".into(), name: "Tees".into(), parent: None, position: 0 });
    /// assert!(!tree.same_as(&snapshot));
    /// ```
    pub fn same_as(&self, other: &CategoryTree) -> bool {
        Arc::ptr_eq(&self.nodes, &other.nodes)
    }

    /// The category `id`.
    pub fn get(&self, id: &str) -> Option<&Category> {
        self.nodes.get(id)
    }

    /// True when `id` exists.
    pub fn contains(&self, id: &str) -> bool {
        self.nodes.contains_key(id)
    }

    /// How many categories.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Adds a category, or renames an existing one (its place in the tree
    /// is changed only through [`CategoryTree::move_to`]).
    ///
    /// # Errors
    ///
    /// `invalid_field`, `unknown_category` for a missing parent,
    /// `category_cycle` when an existing category would move under itself.
    pub fn insert(&mut self, category: Category) -> Result<()> {
        limits::text(&category.id, "id", &category.id, MAX_ID_BYTES)?;
        limits::text(&category.id, "name", &category.name, MAX_NAME_BYTES)?;
        if let Some(parent) = &category.parent {
            self.check_parent(&category.id, parent)?;
        }
        Arc::make_mut(&mut self.nodes).insert(category.id.clone(), category);
        Ok(())
    }

    /// Puts a category back exactly as a store wrote it, without checks
    /// (its parent may be restored after it).
    pub fn restore(&mut self, category: Category) {
        Arc::make_mut(&mut self.nodes).insert(category.id.clone(), category);
    }

    /// Moves `id` under `parent` (none: to the root) at `position`.
    ///
    /// # Errors
    ///
    /// `unknown_category`, or `category_cycle` when `parent` is `id` or
    /// one of its descendants.
    pub fn move_to(&mut self, id: &str, parent: Option<&str>, position: u32) -> Result<()> {
        if !self.contains(id) {
            return Err(Error::UnknownCategory { id: shown(id) });
        }
        if let Some(parent) = parent {
            self.check_parent(id, parent)?;
        }
        if let Some(node) = Arc::make_mut(&mut self.nodes).get_mut(id) {
            node.parent = parent.map(str::to_owned);
            node.position = position;
        }
        Ok(())
    }

    fn check_parent(&self, id: &str, parent: &str) -> Result<()> {
        if !self.contains(parent) {
            return Err(Error::UnknownCategory { id: shown(parent) });
        }
        // Walk up from the parent: meeting `id` means a cycle. The walk is
        // bounded by the number of nodes, so a corrupt tree cannot loop.
        let mut at = Some(parent);
        for _ in 0..=self.nodes.len() {
            match at {
                Some(node) if node == id => {
                    return Err(Error::CategoryCycle {
                        id: shown(id),
                        parent: shown(parent),
                    })
                }
                Some(node) => at = self.nodes.get(node).and_then(|c| c.parent.as_deref()),
                None => return Ok(()),
            }
        }
        Err(Error::CategoryCycle {
            id: shown(id),
            parent: shown(parent),
        })
    }

    /// The children of `parent` (none: the roots), by position then id.
    pub fn children(&self, parent: Option<&str>) -> Vec<&Category> {
        let mut kids: Vec<&Category> = self
            .nodes
            .values()
            .filter(|c| c.parent.as_deref() == parent)
            .collect();
        kids.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        kids
    }

    /// `id` and every category below it, depth first in display order.
    ///
    /// # Errors
    ///
    /// `unknown_category`.
    pub fn descendants(&self, id: &str) -> Result<Vec<String>> {
        if !self.contains(id) {
            return Err(Error::UnknownCategory { id: shown(id) });
        }
        let mut by_parent: FxHashMap<&str, Vec<&Category>> = FxHashMap::default();
        for c in self.nodes.values() {
            if let Some(p) = c.parent.as_deref() {
                by_parent.entry(p).or_default().push(c);
            }
        }
        for kids in by_parent.values_mut() {
            kids.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        }
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(node) = stack.pop() {
            out.push(node.to_owned());
            if let Some(kids) = by_parent.get(node) {
                stack.extend(kids.iter().rev().map(|c| c.id.as_str()));
            }
        }
        Ok(out)
    }

    /// Every category, by id.
    pub fn all(&self) -> Vec<&Category> {
        let mut all: Vec<&Category> = self.nodes.values().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(id: &str, parent: Option<&str>, position: u32) -> Category {
        Category {
            id: id.into(),
            name: id.into(),
            parent: parent.map(Into::into),
            position,
        }
    }

    #[test]
    fn moves_and_reorders_without_cycles() {
        let mut t = CategoryTree::default();
        t.insert(cat("a", None, 0)).unwrap();
        t.insert(cat("b", Some("a"), 2)).unwrap();
        t.insert(cat("c", Some("a"), 1)).unwrap();
        t.insert(cat("d", Some("b"), 0)).unwrap();
        assert_eq!(t.descendants("a").unwrap(), ["a", "c", "b", "d"]);
        // Reorder: b first.
        t.move_to("b", Some("a"), 0).unwrap();
        assert_eq!(t.descendants("a").unwrap(), ["a", "b", "d", "c"]);
        // Self and descendant parents are cycles; nothing changes.
        for parent in ["b", "d"] {
            assert_eq!(
                t.move_to("b", Some(parent), 0).unwrap_err().code(),
                "category_cycle"
            );
        }
        assert_eq!(t.get("b").unwrap().parent.as_deref(), Some("a"));
        // Re-inserting with a descendant as parent is a cycle too.
        assert_eq!(
            t.insert(cat("a", Some("d"), 0)).unwrap_err().code(),
            "category_cycle"
        );
        assert_eq!(
            t.move_to("zz", None, 0).unwrap_err().code(),
            "unknown_category"
        );
        assert_eq!(
            t.insert(cat("e", Some("zz"), 0)).unwrap_err().code(),
            "unknown_category"
        );
        t.move_to("d", None, 0).unwrap();
        assert_eq!(
            t.children(None)
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["a", "d"]
        );
    }
}
