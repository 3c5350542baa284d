//! Prices the 50-line, 20-promotion fixture in a loop, for profilers:
//! `valgrind --tool=callgrind target/release/examples/profile_pricing`.
use kassa::pricing::{price, PricingContext, PricingInput};
use kassa::RoundingMode;

fn main() {
    let f = kassa_benches::fixture(50, 20);
    let ctx = PricingContext::default();
    let input = PricingInput {
        prices: &f.book,
        cart: &f.cart,
        promotions: &f.promotions,
        tax: Some(&f.tax),
        rounding_mode: RoundingMode::HalfEven,
        context: &ctx,
        shipping: None,
    };
    let mut total = 0i64;
    for _ in 0..2_000 {
        if let Ok(b) = price(std::hint::black_box(&input)) {
            total = total.wrapping_add(b.grand_total.minor_units());
        }
    }
    println!("{total}");
}
