//! Wish lists and named saved carts: a customer's named lists of variants
//! (with quantities and custom attributes) kept apart from any cart, to be
//! bought later. Pure: the engine stores each list as a versioned
//! document.

use serde::{Deserialize, Serialize};

use super::lines::{check_line, quantity, Cart};
use crate::catalog::{limits, SortedMap};
use crate::error::{shown, Error, Result};
use crate::pricing::Timestamp;

/// Items on one list.
pub const MAX_LIST_ITEMS: usize = 500;
/// A list's name, in bytes.
pub const MAX_LIST_NAME_BYTES: usize = 128;

/// One item on a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListItem {
    /// The variant.
    pub sku: String,
    /// Units wanted.
    pub qty: u64,
    /// Custom attributes, as a cart line has them.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub attributes: SortedMap<String>,
    /// When it was added.
    pub added_at: Timestamp,
}

/// A named list of a customer's (a wish list, or a cart saved by name).
///
/// # Examples
///
/// ```
/// use kassa::cart::WishList;
/// use kassa::catalog::SortedMap;
/// use kassa::pricing::Timestamp;
///
/// let mut list = WishList::new("wl_1", "cus_1", "Birthday", Timestamp(0))?;
/// list.add("TEE-M", 1, SortedMap::new(), Timestamp(1))?;
/// list.add("TEE-M", 2, SortedMap::new(), Timestamp(2))?;
/// assert_eq!(list.items[0].qty, 3);
/// list.remove("TEE-M", &SortedMap::new())?;
/// assert!(list.items.is_empty());
/// assert_eq!(list.remove("MUG", &SortedMap::new()).unwrap_err().code(), "unknown_line");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WishList {
    /// Its id.
    pub id: String,
    /// Whose.
    pub customer: String,
    /// Its name, as the customer gave it.
    pub name: String,
    /// What is on it, oldest first.
    pub items: Vec<ListItem>,
    /// When it was created.
    pub created_at: Timestamp,
}

impl WishList {
    /// An empty list.
    ///
    /// # Errors
    ///
    /// `invalid_field` for an empty or over-long name or id.
    pub fn new(id: &str, customer: &str, name: &str, now: Timestamp) -> Result<WishList> {
        limits::text("wish_list", "id", id, limits::MAX_ID_BYTES)?;
        limits::text("wish_list", "customer", customer, limits::MAX_ID_BYTES)?;
        limits::text("wish_list", "name", name, MAX_LIST_NAME_BYTES)?;
        Ok(WishList {
            id: id.to_owned(),
            customer: customer.to_owned(),
            name: name.to_owned(),
            items: Vec::new(),
            created_at: now,
        })
    }

    /// The list holding `cart`'s lines (quantities and attributes).
    ///
    /// # Errors
    ///
    /// As [`WishList::new`].
    pub fn from_cart(
        id: &str,
        customer: &str,
        name: &str,
        cart: &Cart,
        now: Timestamp,
    ) -> Result<WishList> {
        let mut list = WishList::new(id, customer, name, now)?;
        for line in &cart.lines {
            list.add(&line.sku, line.qty, line.attributes.clone(), now)?;
        }
        Ok(list)
    }

    /// Adds `qty` of `sku`; an item with the same SKU and attributes grows.
    ///
    /// # Errors
    ///
    /// `invalid_quantity`, `invalid_field` (SKU, attributes, more than
    /// [`MAX_LIST_ITEMS`] items); nothing changes.
    pub fn add(
        &mut self,
        sku: &str,
        qty: u64,
        attributes: SortedMap<String>,
        now: Timestamp,
    ) -> Result<()> {
        quantity(qty)?;
        check_line(sku, &attributes)?;
        let full = self.items.len() >= MAX_LIST_ITEMS;
        match self
            .items
            .iter_mut()
            .find(|i| i.sku == sku && i.attributes == attributes)
        {
            Some(item) => item.qty = quantity(item.qty.saturating_add(qty))?,
            None if full => {
                return Err(limits::invalid(
                    &self.id,
                    "items",
                    format!("at most {MAX_LIST_ITEMS} items"),
                ))
            }
            None => self.items.push(ListItem {
                sku: sku.to_owned(),
                qty,
                attributes,
                added_at: now,
            }),
        }
        Ok(())
    }

    /// Removes the item of `sku` with `attributes`.
    ///
    /// # Errors
    ///
    /// `unknown_line` when the list has no such item.
    pub fn remove(&mut self, sku: &str, attributes: &SortedMap<String>) -> Result<()> {
        let i = self
            .items
            .iter()
            .position(|i| i.sku == sku && i.attributes == *attributes)
            .ok_or_else(|| Error::UnknownLine { id: shown(sku) })?;
        self.items.remove(i);
        Ok(())
    }

    /// Renames the list.
    ///
    /// # Errors
    ///
    /// `invalid_field` for an empty or over-long name.
    pub fn rename(&mut self, name: &str) -> Result<()> {
        limits::text("wish_list", "name", name, MAX_LIST_NAME_BYTES)?;
        self.name = name.to_owned();
        Ok(())
    }
}
