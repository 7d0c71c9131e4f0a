//! Reading values out of rows the same way on both backends.

use sqlx::Row;
use sqlx::any::AnyRow;

/// A boolean column. PostgreSQL has a boolean type; SQLite stores 0 or 1 in an INTEGER column (its
/// BOOLEAN is not supported by sqlx's `Any` driver), which comes back as an integer.
pub(crate) fn get_bool(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    match row.try_get::<bool, _>(column) {
        Ok(value) => Ok(value),
        Err(_) => Ok(row.try_get::<i64, _>(column)? != 0),
    }
}
