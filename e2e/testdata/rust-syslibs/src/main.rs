use std::ffi::CStr;

fn main() {
    // The versions of the libraries the program loaded: Debian's system
    // copies, not the crates' bundled sources.
    let zlib = unsafe { CStr::from_ptr(libz_sys::zlibVersion()) };
    let sqlite = unsafe { CStr::from_ptr(libsqlite3_sys::sqlite3_libversion()) };
    println!("zlib {} sqlite {} on {}", zlib.to_str().unwrap(), sqlite.to_str().unwrap(), std::env::consts::ARCH);
}
