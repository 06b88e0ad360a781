//! The C sniffer from c/probe.c, compiled by build.rs.

use std::ffi::CStr;
use std::os::raw::c_char;

extern "C" {
    fn strata_probe_container(buf: *const u8, len: usize) -> *const c_char;
    fn strata_probe_arch() -> *const c_char;
}

/// The container format of a media file, from its first bytes.
pub fn container(head: &[u8]) -> &'static str {
    // SAFETY: the C function reads at most len bytes and returns a static string.
    unsafe { CStr::from_ptr(strata_probe_container(head.as_ptr(), head.len())) }
        .to_str()
        .unwrap_or("unknown")
}

/// The architecture the C code was compiled for.
pub fn c_arch() -> &'static str {
    // SAFETY: returns a static string.
    unsafe { CStr::from_ptr(strata_probe_arch()) }.to_str().unwrap_or("?")
}
