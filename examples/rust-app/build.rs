// Compiles the container sniffer in C with cc: for a cross target, cc-rs
// runs the target's C compiler (zig, through Strata's wrappers).
fn main() {
    println!("cargo:rerun-if-changed=c/probe.c");
    cc::Build::new().file("c/probe.c").compile("probe");
}
