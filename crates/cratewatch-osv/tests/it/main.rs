//! The OSV mapping against RustSec's official export of the same snapshot, and against the OSV schema.

mod export;
mod mapping;
