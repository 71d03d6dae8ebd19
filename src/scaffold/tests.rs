use super::*;

#[test]
fn relative_paths_only() {
    for bad in [
        "/etc/passwd",
        "../x",
        "a/../../b",
        "a//b",
        "",
        "./a",
        "a\\b",
        "a/",
    ] {
        assert!(check_relative(bad).is_err(), "{bad:?} should be refused");
    }
    for good in [
        "package.json",
        "lib/stack.ts",
        "orders/__init__.py",
        ".gitignore",
    ] {
        assert!(check_relative(good).is_ok(), "{good:?} should be accepted");
    }
}

#[test]
fn output_paths_substitute_the_module() {
    let names = validate_name("orders-api").unwrap();
    assert_eq!(
        output_path("__module__/stack.py.j2", &names),
        "orders_api/stack.py"
    );
    assert_eq!(
        output_path("bin/__name__.ts.j2", &names),
        "bin/orders-api.ts"
    );
    assert_eq!(output_path("cdk.json", &names), "cdk.json");
    assert_eq!(output_path("dot.gitignore.j2", &names), ".gitignore");
}

#[test]
fn partials_are_not_emitted() {
    assert!(!emitted("_partials/readme.md.j2"));
    assert!(!emitted("x/typescript/lib/_helpers.ts.j2"));
    assert!(emitted("x/python/__module__/__init__.py.j2"));
    assert!(emitted("x/typescript/lib/stack.ts.j2"));
    assert!(emitted("x/typescript/bin/__name__.ts.j2"));
    assert!(!emitted("x/_try.md.j2"));
}
