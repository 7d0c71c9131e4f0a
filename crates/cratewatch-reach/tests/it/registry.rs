//! Small registries written by the tests, in the git-index layout, which Cargo can also read as a
//! local registry.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use cratewatch_index::IndexSnapshot;
use cratewatch_reach::{Outcome, Resolution};
use cratewatch_testdata::scratch_dir;
use semver::Version;

use crate::oracle::{Locked, Oracle};

/// A registry under construction: crate name to index lines.
pub(crate) struct Registry {
    dir: PathBuf,
    crates: BTreeMap<String, Vec<String>>,
}

/// A dependency of a published version, written as the index writes it.
pub(crate) struct Dep {
    json: serde_json::Value,
}

impl Dep {
    pub(crate) fn new(name: &str, req: &str) -> Dep {
        Dep {
            json: serde_json::json!({
                "name": name, "req": req, "features": [], "optional": false,
                "default_features": true, "target": null, "kind": "normal"
            }),
        }
    }

    pub(crate) fn optional(mut self) -> Dep {
        self.json["optional"] = true.into();
        self
    }

    pub(crate) fn no_default_features(mut self) -> Dep {
        self.json["default_features"] = false.into();
        self
    }

    pub(crate) fn features(mut self, features: &[&str]) -> Dep {
        self.json["features"] = features.iter().map(|f| serde_json::Value::from(*f)).collect();
        self
    }

    pub(crate) fn kind(mut self, kind: &str) -> Dep {
        self.json["kind"] = kind.into();
        self
    }

    pub(crate) fn target(mut self, target: &str) -> Dep {
        self.json["target"] = target.into();
        self
    }

    /// Renamed in the manifest: `name = { package = "package" }`.
    pub(crate) fn package(mut self, package: &str) -> Dep {
        self.json["package"] = package.into();
        self
    }
}

/// A version to publish.
pub(crate) struct Publish {
    json: serde_json::Value,
}

impl Publish {
    pub(crate) fn deps(mut self, deps: Vec<Dep>) -> Publish {
        self.json["deps"] = deps.into_iter().map(|d| d.json).collect();
        self
    }

    pub(crate) fn features(mut self, features: &[(&str, &[&str])]) -> Publish {
        self.json["features"] = features_json(features);
        self
    }

    /// Features using `dep:` or `?/`, which the index keeps in `features2` (schema version 2).
    pub(crate) fn features2(mut self, features: &[(&str, &[&str])]) -> Publish {
        self.json["features2"] = features_json(features);
        self.json["v"] = 2.into();
        self
    }

    pub(crate) fn yanked(mut self) -> Publish {
        self.json["yanked"] = true.into();
        self
    }

    pub(crate) fn links(mut self, links: &str) -> Publish {
        self.json["links"] = links.into();
        self
    }
}

fn features_json(features: &[(&str, &[&str])]) -> serde_json::Value {
    features
        .iter()
        .map(|(k, v)| (k.to_string(), v.iter().map(|f| serde_json::Value::from(*f)).collect()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

impl Registry {
    pub(crate) fn new(name: &str) -> Registry {
        Registry { dir: scratch_dir(name), crates: BTreeMap::new() }
    }

    /// Publishes `name version`; finish it with the [`Publish`] methods, then [`Registry::add`].
    pub(crate) fn version(name: &str, version: &str) -> Publish {
        let cksum = format!("{:064x}", name.len() * 1000 + version.len());
        Publish {
            json: serde_json::json!({
                "name": name, "vers": version, "deps": [], "cksum": cksum, "features": {}, "yanked": false
            }),
        }
    }

    pub(crate) fn add(&mut self, publish: Publish) -> &mut Registry {
        let name = publish.json["name"].as_str().unwrap().to_owned();
        self.crates.entry(name).or_default().push(publish.json.to_string());
        self
    }

    /// Writes the index and loads it.
    pub(crate) fn build(&self) -> Built {
        let index = self.dir.join("index");
        fs::create_dir_all(&index).unwrap();
        fs::write(index.join("config.json"), r#"{"dl":"https://crates.io/api/v1/crates","api":"https://crates.io"}"#)
            .unwrap();
        for (name, lines) in &self.crates {
            let path = index.join(layout(name));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, lines.join("\n") + "\n").unwrap();
        }
        let snapshot = IndexSnapshot::load(&index).unwrap();
        assert!(snapshot.diagnostics().is_empty(), "{:?}", snapshot.diagnostics());
        let resolution = Resolution::build(&snapshot, &|_| {});
        Built { index, resolution }
    }
}

fn layout(name: &str) -> String {
    let name = name.to_lowercase();
    match name.len() {
        1 | 2 => format!("{}/{name}", name.len()),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

/// A written registry and its resolution.
pub(crate) struct Built {
    pub(crate) index: PathBuf,
    pub(crate) resolution: Resolution,
}

impl Built {
    /// What we resolve `name version` to, as `name version` strings, or the failure's code.
    pub(crate) fn ours(&self, name: &str, version: &str) -> Result<Vec<String>, String> {
        let r = &self.resolution;
        let pkg = r.pkg(name, &Version::parse(version).unwrap()).unwrap_or_else(|| panic!("{name} {version} exists"));
        match r.outcome(pkg) {
            Outcome::Resolved(g) => {
                let mut out: Vec<String> =
                    g.packages().map(|p| format!("{} {}", r.name(p.pkg), r.version(p.pkg))).collect();
                out.sort();
                Ok(out)
            }
            Outcome::Unresolved(why) => Err(why.code().to_owned()),
            _ => unreachable!(),
        }
    }

    /// What Cargo locks for `name version` (or that it fails), in the same form.
    pub(crate) fn cargo(&self, name: &str, version: &str, scratch: &str) -> Result<Vec<String>, String> {
        let r = &self.resolution;
        let v = Version::parse(version).unwrap();
        let yanked = r.is_yanked(r.pkg(name, &v).unwrap());
        let oracle = Oracle::new(scratch, self.index.as_path());
        oracle
            .lock(0, name, &v, yanked)
            .map(|lock| {
                let locked: Locked = crate::oracle::locked(&lock);
                locked.into_iter().map(|(n, v)| format!("{n} {v}")).collect()
            })
            .map_err(|_| "cargo-failed".to_owned())
    }

    /// Asserts that we and Cargo agree on `name version`, and that the answer is `expected` (package
    /// list, or `Err(code)`).
    #[track_caller]
    pub(crate) fn check(&self, name: &str, version: &str, expected: Result<&[&str], &str>) {
        let ours = self.ours(name, version);
        match expected {
            Ok(list) => {
                let mut list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
                list.sort();
                assert_eq!(ours, Ok(list), "our resolution of {name} {version}");
            }
            Err(code) => assert_eq!(ours, Err(code.to_owned()), "our resolution of {name} {version}"),
        }
        let cargo = self.cargo(name, version, &format!("reach-oracle-{name}-{version}"));
        match (&ours, &cargo) {
            (Ok(o), Ok(c)) => assert_eq!(o, c, "Cargo's resolution of {name} {version}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{name} {version}: we give {ours:?}, Cargo gives {cargo:?}"),
        }
    }
}
