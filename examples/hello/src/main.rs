//! hello: prints a greeting and the sum of its arguments.

fn main() {
    let sum: u64 = std::env::args().skip(1).filter_map(|a| a.parse::<u64>().ok()).sum();
    let mut buf = itoa::Buffer::new();
    println!("hello from a reviewed release; sum = {}", buf.format(sum));
}
