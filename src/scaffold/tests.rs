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

#[test]
fn built_in_templates_render_well_inside_the_fuel_limit() {
    let catalog = ScaffoldCatalog::load(&crate::knowledge::KnowledgeSources::builtin()).unwrap();
    for id in catalog.ids() {
        for language in Language::ALL {
            let result =
                catalog.render_with_fuel(id, language, None, &Default::default(), RENDER_FUEL / 20);
            if let Err(e) = result {
                assert!(
                    matches!(e, ScaffoldError::LanguageNotOffered { .. }),
                    "{id} ({language}) needs more than a twentieth of the fuel limit: {e}"
                );
            }
        }
    }
}

#[test]
fn fuel_stops_a_runaway_team_template() {
    let dir = tempfile::tempdir().unwrap();
    let lambda_dir = dir
        .path()
        .join("scaffolds/sqs-lambda-worker/typescript/lambda");
    std::fs::create_dir_all(&lambda_dir).unwrap();
    std::fs::write(
        lambda_dir.join("worker.ts.j2"),
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ i * j }}{% endfor %}{% endfor %}\n",
    )
    .unwrap();
    let sources = crate::knowledge::KnowledgeSources::builtin().with_dir(dir.path());
    let catalog = ScaffoldCatalog::load(&sources).unwrap();
    let err = catalog
        .render(
            "sqs-lambda-worker",
            Language::Typescript,
            None,
            &Default::default(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("render budget") && err.contains(&RENDER_FUEL.to_string()),
        "{err}"
    );
}
