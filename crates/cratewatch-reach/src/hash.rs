//! The resolvers' maps: keyed by small integer ids this crate assigns, which nobody chooses, so FxHash
//! (rotate, xor, multiply, a word at a time) rather than std's SipHash, which resists chosen keys at a
//! cost per byte.

pub(crate) type FxHashMap<K, V> = rustc_hash::FxHashMap<K, V>;
