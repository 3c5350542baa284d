//! Loads a synthetic catalog through the engine into the in-memory store
//! and reports the load rate and the memory held per variant.
//!
//! ```text
//! cargo run --release -p kassa-benches --example catalog_load -- 250000 4
//! ```
//!
//! Arguments: products (default 250,000), variants per product (default
//! 4: one million variants), and what to load: `engine` (default: through
//! the engine into the memory store, which also keeps one outbox event per
//! product) or `index` (the catalog index alone). Run each in its own
//! process: memory comes fresh from the OS either way. The products are
//! built before the clock starts (the rate is the store's, not the
//! fixture's); memory is counted by a global allocator wrapper (bytes
//! allocated and not freed, products included, from before they are built).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use kassa::catalog::CatalogIndex;
use kassa::pricing::Timestamp;
use kassa_benches::catalog_fixture::{attributes, categories, product};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged and only
// counts the bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same layout, same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn main() -> Result<(), kassa::Error> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let products = args.next().flatten().unwrap_or(250_000);
    let per = args.next().flatten().unwrap_or(4);
    if std::env::args().nth(3).as_deref() == Some("index") {
        return load_index(products, per);
    }
    load_engine(products, per)
}

fn load_index(products: usize, per: usize) -> Result<(), kassa::Error> {
    let variants = products * per;

    let before = live();
    let mut index = CatalogIndex::default();
    for c in categories() {
        index.categories_mut().insert(c)?;
    }
    for def in attributes() {
        index.define_attribute(def)?;
    }
    let batch: Vec<_> = (0..products).map(|i| product(i, per)).collect();
    let start = Instant::now();
    for (i, p) in batch.into_iter().enumerate() {
        index.save(p, None, Timestamp(i as i64))?;
    }
    let index_secs = start.elapsed().as_secs_f64();
    let index_bytes = live() - before;
    println!(
        "index: {variants} variants in {index_secs:.2} s = {:.0} variants/s; {:.0} bytes per variant",
        variants as f64 / index_secs,
        index_bytes as f64 / variants as f64
    );
    Ok(())
}

fn load_engine(products: usize, per: usize) -> Result<(), kassa::Error> {
    let variants = products * per;
    let before = live();
    let engine = kassa_benches::catalog_fixture::empty_shop()?;
    let batch: Vec<_> = (0..products).map(|i| product(i, per)).collect();
    let start = Instant::now();
    for p in batch {
        engine.create_product(p)?;
    }
    let secs = start.elapsed().as_secs_f64();
    let bytes = live() - before;
    println!(
        "engine + memory store: {variants} variants in {secs:.2} s = {:.0} variants/s; {:.0} bytes per variant (outbox included)",
        variants as f64 / secs,
        bytes as f64 / variants as f64
    );
    Ok(())
}
