//! Wish lists and named saved carts through the engine: each list a
//! versioned document (`wish_lists/<id>`), a customer's list ids in
//! `wish_list_index/<customer>`, saved together.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::cart::{from_json, to_json};
use super::Engine;
use crate::cart::{Cart, WishList};
use crate::catalog::ProductStatus;
use crate::error::{shown, Error, Result};
use crate::store::{DocumentWrite, Store};

const LISTS: &str = "wish_lists";
const LIST_INDEX: &str = "wish_list_index";

/// Lists one customer keeps at most.
pub const MAX_LISTS: usize = 100;

#[derive(Debug, Default, Serialize, Deserialize)]
struct ListIndex {
    lists: Vec<String>,
}

/// What moving a list into a cart skipped: the SKU and the code of the
/// reason (`unknown_sku`, `invalid_transition` for a product no longer
/// on sale, `no_price_for_currency`, ...).
pub type Skipped = Vec<(String, &'static str)>;

impl<S: Store> Engine<S> {
    /// Creates an empty list `name` for `customer` (a customer or
    /// anonymous id).
    ///
    /// # Errors
    ///
    /// `invalid_field` for a bad name or more than [`MAX_LISTS`] lists,
    /// storage failures.
    pub fn create_wish_list(&self, customer: &str, name: &str) -> Result<(WishList, u64)> {
        let list = WishList::new(&self.ids.next_id("wl"), customer, name, self.clock.now())?;
        self.store_new_list(list)
    }

    /// Saves cart `cart_id`'s lines as a new list `name` of its customer
    /// (a named saved cart); the cart is unchanged.
    ///
    /// # Errors
    ///
    /// `unknown_cart`, `invalid_field` for a guest cart or a bad name.
    pub fn save_cart_as_list(&self, cart_id: &str, name: &str) -> Result<(WishList, u64)> {
        let (cart, _) = self.cart(cart_id)?;
        let Some(customer) = cart.customer.clone() else {
            return Err(crate::catalog::limits::invalid(
                "wish_list",
                "customer",
                format!("cart {} belongs to a guest", shown(cart_id)),
            ));
        };
        let list = WishList::from_cart(
            &self.ids.next_id("wl"),
            &customer,
            name,
            &cart,
            self.clock.now(),
        )?;
        self.store_new_list(list)
    }

    fn store_new_list(&self, list: WishList) -> Result<(WishList, u64)> {
        let (mut index, version) = match self.store.load(LIST_INDEX, &list.customer)? {
            Some(doc) => (
                from_json::<ListIndex>("wish list index", doc.value)?,
                Some(doc.version),
            ),
            None => (ListIndex::default(), None),
        };
        if index.lists.len() >= MAX_LISTS {
            return Err(crate::catalog::limits::invalid(
                "wish_list",
                "lists",
                format!("at most {MAX_LISTS} lists per customer"),
            ));
        }
        index.lists.push(list.id.clone());
        self.store.save_all(
            vec![
                DocumentWrite::new(LISTS, &list.id, None, to_json(&list)?),
                DocumentWrite::new(LIST_INDEX, &list.customer, version, to_json(&index)?),
            ],
            Vec::new(),
        )?;
        Ok((list, 1))
    }

    /// List `id` and its version.
    ///
    /// # Errors
    ///
    /// `unknown_cart` (a list is a saved cart) for an unknown id.
    pub fn wish_list(&self, id: &str) -> Result<(WishList, u64)> {
        let doc = self
            .store
            .load(LISTS, id)?
            .ok_or_else(|| Error::UnknownCart { id: shown(id) })?;
        Ok((from_json("wish list", doc.value)?, doc.version))
    }

    /// Applies `change` to list `id` read at version `expected`.
    ///
    /// # Errors
    ///
    /// `unknown_cart`, `concurrent_modification`, what `change` refuses
    /// (nothing is saved).
    pub fn update_wish_list(
        &self,
        id: &str,
        expected: u64,
        change: impl FnOnce(&mut WishList) -> Result<()>,
    ) -> Result<(WishList, u64)> {
        let (mut list, _) = self.wish_list(id)?;
        let owner = list.customer.clone();
        change(&mut list)?;
        list.id = id.to_owned();
        list.customer = owner;
        let version = self
            .store
            .save(LISTS, id, Some(expected), to_json(&list)?, Vec::new())?;
        Ok((list, version))
    }

    /// Customer `customer`'s lists, oldest first.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn customer_wish_lists(&self, customer: &str) -> Result<Vec<WishList>> {
        let index: ListIndex = match self.store.load(LIST_INDEX, customer)? {
            Some(doc) => from_json("wish list index", doc.value)?,
            None => ListIndex::default(),
        };
        index
            .lists
            .iter()
            .map(|id| Ok(self.wish_list(id)?.0))
            .collect()
    }

    /// Adds every item of list `list_id` to cart `cart_id` (read at
    /// `expected`) at today's prices; items that cannot be sold now are
    /// skipped and reported, never silently dropped. The list is
    /// unchanged.
    ///
    /// # Errors
    ///
    /// `unknown_cart`, `concurrent_modification`, the cart's own refusals
    /// (`invalid_transition` once paid, too many lines); nothing is saved.
    pub fn add_list_to_cart(
        &self,
        list_id: &str,
        cart_id: &str,
        expected: u64,
    ) -> Result<(Arc<Cart>, u64, Skipped)> {
        let (list, _) = self.wish_list(list_id)?;
        let skus: Vec<&str> = list.items.iter().map(|i| i.sku.as_str()).collect();
        let found = self.store.products_by_skus(&skus)?;
        let mut skipped: Skipped = Vec::new();
        // One time for the change, its events and every line's snapshot.
        let now = self.clock.now();
        let (cart, version) =
            self.update_cart_with(cart_id, expected, None, now, |cart, engine| {
                for (item, found) in list.items.iter().zip(&found) {
                    let Some((product, index)) = found else {
                        skipped.push((item.sku.clone(), "unknown_sku"));
                        continue;
                    };
                    if product.status != ProductStatus::Active {
                        skipped.push((item.sku.clone(), "invalid_transition"));
                        continue;
                    }
                    match engine.add_priced_line(
                        cart,
                        product,
                        *index,
                        item.qty,
                        item.attributes.clone(),
                        now,
                    ) {
                        Ok(()) => {}
                        Err(e @ Error::NoPriceForCurrency { .. }) => {
                            skipped.push((item.sku.clone(), e.code()))
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            })?;
        Ok((cart, version, skipped))
    }
}
