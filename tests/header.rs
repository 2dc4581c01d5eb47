//! The committed header is exactly what cbindgen generates from the sources.

#[test]
fn committed_header_matches_generated() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/plivo.h"));
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/plivo.h"))
            .expect("include/plivo.h is committed");
    assert!(
        generated == committed,
        "include/plivo.h is stale: run `PLIVO_REGENERATE_HEADER=1 cargo build` and commit it"
    );
}
