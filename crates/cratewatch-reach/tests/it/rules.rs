//! Cargo's resolution rules, one small registry each. Every answer is also checked against Cargo
//! itself on the same registry.

use crate::registry::{Dep, Registry};

#[test]
fn highest_compatible_version_and_no_dev_dependencies() {
    let mut reg = Registry::new("reach-rule-highest");
    for v in ["1.0.0", "1.2.0", "1.9.3", "2.0.0"] {
        reg.add(Registry::version("leaf", v));
    }
    reg.add(Registry::version("tester", "0.1.0"));
    reg.add(Registry::version("builder", "0.3.0"));
    reg.add(Registry::version("app", "1.0.0").deps(vec![
        Dep::new("leaf", "^1.2"),
        Dep::new("tester", "^0.1").kind("dev"),
        Dep::new("builder", "^0.3").kind("build"),
    ]));
    let built = reg.build();
    built.check("app", "1.0.0", Ok(&["app 1.0.0", "leaf 1.9.3", "builder 0.3.0"]));
}

#[test]
fn one_version_per_compatibility_slot_is_shared() {
    // `^1.2` alone would pick 1.5.0, but `=1.3.0` elsewhere in the graph holds the 1.x slot.
    let mut reg = Registry::new("reach-rule-slot");
    for v in ["1.2.0", "1.3.0", "1.5.0", "0.9.0"] {
        reg.add(Registry::version("shared", v));
    }
    reg.add(Registry::version("pinner", "1.0.0").deps(vec![Dep::new("shared", "=1.3.0")]));
    reg.add(Registry::version("old-user", "1.0.0").deps(vec![Dep::new("shared", "^0.9")]));
    reg.add(Registry::version("app", "1.0.0").deps(vec![
        Dep::new("shared", "^1.2"),
        Dep::new("pinner", "^1"),
        Dep::new("old-user", "^1"),
    ]));
    let built = reg.build();
    built.check("app", "1.0.0", Ok(&["app 1.0.0", "pinner 1.0.0", "old-user 1.0.0", "shared 1.3.0", "shared 0.9.0"]));
}

#[test]
fn links_values_are_unique() {
    // Two crates that link the same native library cannot both be in a graph: the search goes back to
    // an older `wrapper` that did not link it.
    let mut reg = Registry::new("reach-rule-links");
    reg.add(Registry::version("sys-a", "0.1.0").links("native"));
    reg.add(Registry::version("sys-b", "0.1.0").links("native"));
    reg.add(Registry::version("wrapper", "1.0.0"));
    reg.add(Registry::version("wrapper", "1.1.0").deps(vec![Dep::new("sys-b", "^0.1")]));
    reg.add(Registry::version("app", "1.0.0").deps(vec![Dep::new("sys-a", "^0.1"), Dep::new("wrapper", "^1")]));
    reg.add(Registry::version("stuck", "1.0.0").deps(vec![Dep::new("sys-a", "^0.1"), Dep::new("sys-b", "^0.1")]));
    let built = reg.build();
    built.check("app", "1.0.0", Ok(&["app 1.0.0", "sys-a 0.1.0", "wrapper 1.0.0"]));
    built.check("stuck", "1.0.0", Err("no-candidate"));
}

#[test]
fn features_unify_and_enable_optional_dependencies() {
    let mut reg = Registry::new("reach-rule-features");
    reg.add(Registry::version("serde-ish", "1.0.0"));
    reg.add(Registry::version("log-ish", "0.4.0"));
    reg.add(Registry::version("rand-ish", "0.8.0"));
    reg.add(Registry::version("extra", "1.0.0"));
    reg.add(
        Registry::version("lib", "1.0.0")
            .deps(vec![
                Dep::new("serde-ish", "^1").optional(),
                Dep::new("log-ish", "^0.4").optional(),
                Dep::new("rand-ish", "^0.8").optional(),
                Dep::new("extra", "^1").optional(),
            ])
            .features(&[("default", &["std"]), ("std", &["log-ish"]), ("full", &["serde-ish", "extra/std"])]),
    );
    reg.add(Registry::version("extra", "1.1.0").features(&[("std", &[])]));
    // One dependent turns default features off but asks for `full`; the other keeps the defaults.
    reg.add(
        Registry::version("a", "1.0.0").deps(vec![Dep::new("lib", "^1").no_default_features().features(&["full"])]),
    );
    reg.add(Registry::version("b", "1.0.0").deps(vec![Dep::new("lib", "^1")]));
    reg.add(Registry::version("both", "1.0.0").deps(vec![Dep::new("a", "^1"), Dep::new("b", "^1")]));
    let built = reg.build();
    built.check("a", "1.0.0", Ok(&["a 1.0.0", "lib 1.0.0", "serde-ish 1.0.0", "extra 1.1.0"]));
    built.check("b", "1.0.0", Ok(&["b 1.0.0", "lib 1.0.0", "log-ish 0.4.0"]));
    built.check(
        "both",
        "1.0.0",
        Ok(&["both 1.0.0", "a 1.0.0", "b 1.0.0", "lib 1.0.0", "serde-ish 1.0.0", "log-ish 0.4.0", "extra 1.1.0"]),
    );
}

#[test]
fn namespaced_and_weak_features() {
    let mut reg = Registry::new("reach-rule-namespaced");
    reg.add(Registry::version("hidden", "1.0.0").features(&[("fast", &[])]));
    reg.add(Registry::version("weakly", "1.0.0").features(&[("serde", &[])]));
    reg.add(
        Registry::version("lib", "2.0.0")
            .deps(vec![Dep::new("hidden", "^1").optional(), Dep::new("weakly", "^1").optional()])
            .features2(&[
                ("default", &["turbo"]),
                ("turbo", &["dep:hidden", "hidden/fast"]),
                ("serde", &["weakly?/serde"]),
            ]),
    );
    reg.add(
        Registry::version("user", "1.0.0").deps(vec![Dep::new("lib", "^2").no_default_features().features(&["serde"])]),
    );
    let built = reg.build();
    built.check("lib", "2.0.0", Ok(&["lib 2.0.0", "hidden 1.0.0"]));
    // `weakly?/serde` enables `serde` on `weakly` only if something else enables `weakly`: the dependency
    // resolver nonetheless locks it ("weak features are always activated in the dependency resolver").
    built.check("user", "1.0.0", Ok(&["user 1.0.0", "lib 2.0.0", "weakly 1.0.0"]));
}

#[test]
fn renamed_dependencies_and_two_versions_of_one_crate() {
    let mut reg = Registry::new("reach-rule-rename");
    for v in ["0.1.5", "0.2.3"] {
        reg.add(Registry::version("futures", v));
    }
    reg.add(
        Registry::version("bridge", "1.0.0")
            .deps(vec![Dep::new("futures", "^0.1"), Dep::new("futures03", "^0.2").package("futures").features(&[])]),
    );
    let built = reg.build();
    built.check("bridge", "1.0.0", Ok(&["bridge 1.0.0", "futures 0.1.5", "futures 0.2.3"]));
}

#[test]
fn pre_releases_only_when_asked_and_yanked_never_chosen() {
    let mut reg = Registry::new("reach-rule-pre");
    reg.add(Registry::version("dep", "1.0.0"));
    reg.add(Registry::version("dep", "1.1.0-beta.1"));
    reg.add(Registry::version("dep", "1.0.5").yanked());
    reg.add(Registry::version("stable-user", "1.0.0").deps(vec![Dep::new("dep", "^1.0")]));
    reg.add(Registry::version("beta-user", "1.0.0").deps(vec![Dep::new("dep", "^1.1.0-beta.1")]));
    reg.add(Registry::version("gone", "1.0.0").deps(vec![Dep::new("dep", "=1.0.5")]));
    reg.add(Registry::version("yanked-root", "1.0.0").yanked().deps(vec![Dep::new("dep", "^1")]));
    let built = reg.build();
    built.check("stable-user", "1.0.0", Ok(&["stable-user 1.0.0", "dep 1.0.0"]));
    built.check("beta-user", "1.0.0", Ok(&["beta-user 1.0.0", "dep 1.1.0-beta.1"]));
    built.check("gone", "1.0.0", Err("no-candidate"));
    // A yanked version is resolved as a lockfile that already holds it would be.
    built.check("yanked-root", "1.0.0", Ok(&["yanked-root 1.0.0", "dep 1.0.0"]));
}

#[test]
fn a_missing_feature_sends_the_search_to_an_older_version() {
    let mut reg = Registry::new("reach-rule-missing-feature");
    reg.add(Registry::version("cc-ish", "1.0.0").features(&[("parallel", &[])]));
    reg.add(Registry::version("cc-ish", "1.1.0"));
    reg.add(Registry::version("user", "1.0.0").deps(vec![Dep::new("cc-ish", "^1").features(&["parallel"])]));
    let built = reg.build();
    built.check("user", "1.0.0", Ok(&["user 1.0.0", "cc-ish 1.0.0"]));
}

#[test]
fn targets_are_all_resolved_and_broken_entries_skipped() {
    let mut reg = Registry::new("reach-rule-targets");
    reg.add(Registry::version("winapi-ish", "0.3.0"));
    reg.add(Registry::version("libc-ish", "0.2.0"));
    reg.add(Registry::version("dep", "1.0.0"));
    // Cargo cannot parse this entry (an unbalanced cfg), so it is never a candidate.
    reg.add(Registry::version("dep", "1.1.0").deps(vec![Dep::new("libc-ish", "^0.2").target("cfg(unix")]));
    reg.add(Registry::version("app", "1.0.0").deps(vec![
        Dep::new("winapi-ish", "^0.3").target("cfg(windows)"),
        Dep::new("libc-ish", "^0.2").target("cfg(all(unix, not(target_os = \"macos\")))"),
        Dep::new("dep", "^1"),
    ]));
    let built = reg.build();
    built.check("app", "1.0.0", Ok(&["app 1.0.0", "winapi-ish 0.3.0", "libc-ish 0.2.0", "dep 1.0.0"]));
    built.check("dep", "1.1.0", Err("invalid-entry"));
}

#[test]
fn missing_crates_and_dependency_cycles_fail_as_in_cargo() {
    let mut reg = Registry::new("reach-rule-failures");
    reg.add(Registry::version("orphan", "1.0.0").deps(vec![Dep::new("deleted-crate", "^1")]));
    reg.add(Registry::version("ping", "1.0.0").deps(vec![Dep::new("pong", "^1")]));
    reg.add(Registry::version("pong", "1.0.0").deps(vec![Dep::new("ping", "^1")]));
    // An optional dependency on a missing crate is fine while nothing enables it.
    reg.add(Registry::version("careful", "1.0.0").deps(vec![Dep::new("deleted-crate", "^1").optional()]));
    let built = reg.build();
    built.check("orphan", "1.0.0", Err("no-candidate"));
    built.check("ping", "1.0.0", Err("dependency-cycle"));
    built.check("careful", "1.0.0", Ok(&["careful 1.0.0"]));
}

#[test]
fn a_feature_on_a_dev_only_dependency_enables_nothing() {
    // Found by the comparison with Cargo on the real index (cw-nameservice 0.4.0): a default feature
    // `x/f` where `x` is only a dev-dependency is not an error for a registry package.
    let mut reg = Registry::new("reach-rule-dev-feature");
    reg.add(Registry::version("vm", "0.8.0").features(&[("cranelift", &[])]));
    reg.add(
        Registry::version("contract", "0.4.0")
            .deps(vec![Dep::new("vm", "^0.8").kind("dev")])
            .features(&[("default", &["cranelift"]), ("cranelift", &["vm/cranelift"])]),
    );
    let built = reg.build();
    built.check("contract", "0.4.0", Ok(&["contract 0.4.0"]));
}
