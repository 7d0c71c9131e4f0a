//! The error for text that does not name a known value: a storage name, a RustSec id, a CVE id.

/// A string that is not a valid value of some type: a storage name read back from the store, or an
/// identifier typed by a person.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} `{value}`: expected {expected}")]
pub struct ParseError {
    /// What was being parsed, such as `report state`.
    pub what: &'static str,
    /// The text as given.
    pub value: String,
    /// What would have been accepted.
    pub expected: String,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, value: &str, expected: impl Into<String>) -> ParseError {
        ParseError { what, value: value.to_owned(), expected: expected.into() }
    }
}

/// Defines a fieldless enum whose values have stable snake_case storage names, with `ALL`, `as_str`,
/// `Display` and `FromStr`.
macro_rules! storage_names {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $($(#[$variant_meta:meta])* $variant:ident => $str:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stable storage name (snake_case).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $str,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    $crate::ParseError::new($what, s, format!("one of {}", names.join(", ")))
                })
            }
        }
    };
}

pub(crate) use storage_names;
