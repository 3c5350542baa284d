//! Carts: lines (with custom attributes and price snapshots), saved-for-
//! later lines, wish lists and named saved carts, coupons, addresses, the shipping choice and notes, moved
//! through the checkout state machine; guest-to-customer merge; and
//! revalidation that reports what changed without changing anything; B2B
//! quotes (negotiated prices, frozen revisions, expiry).
//!
//! Pure: the engine loads a cart (a versioned document), calls these, and
//! saves it back with its events; a stale save is `concurrent_modification`.

mod address;
mod lines;
mod merge;
mod quote;
mod revalidate;
mod shared;
mod wishlist;

pub use address::{Address, MAX_ADDRESS_FIELD_BYTES};
pub use lines::{
    Cart, CartLine, LineId, LineSnapshot, SavedLine, MAX_COUPONS, MAX_LINES,
    MAX_LINE_ATTRIBUTE_BYTES, MAX_NOTES_BYTES, MAX_QUANTITY,
};
pub use merge::{merge, MergeStrategy};
pub use quote::{Quote, QuoteLine, QuoteRevision, QuoteState, QuoteStatus, MAX_QUOTE_LINES};
pub use revalidate::{revalidate, CartWarning, CurrentVariant};
pub use shared::Shared;
pub use wishlist::{ListItem, WishList, MAX_LIST_ITEMS, MAX_LIST_NAME_BYTES};
