//! RustSec ids: `RUSTSEC-YYYY-NNNN`, numbered per year.
//!
//! `rustsec_id_counters` holds, per year, the next number to hand out. An allocation takes
//! `max(next, floor + 1)`, where `floor` is the highest number of that year already in the public
//! advisory database (ids may be taken there without this store knowing), and stores that plus one.
//! It is one upsert, which holds the year's row locked until the transaction ends, so concurrent
//! allocations, from several replicas too, get distinct numbers.

use std::fmt;

use sqlx::{AnyConnection, Row};

use crate::{Backend, Error, Store};

/// A RustSec advisory id, printed `RUSTSEC-2026-0042`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RustsecId {
    /// The year.
    pub year: u16,
    /// The number within the year, from 1.
    pub number: u32,
}

impl fmt::Display for RustsecId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RUSTSEC-{:04}-{:04}", self.year, self.number)
    }
}

/// Allocates the next number of `year`, at least `floor + 1`, inside the caller's transaction.
pub(crate) async fn allocate_in<E>(
    conn: &mut AnyConnection,
    backend: Backend,
    year: u16,
    floor: u32,
) -> Result<RustsecId, Error<E>> {
    let operation = format!("allocate a RustSec id for {year}");
    let larger = match backend {
        Backend::Sqlite => "MAX",
        Backend::Postgres => "GREATEST",
    };
    let sql = format!(
        "INSERT INTO rustsec_id_counters (year, next_number) VALUES ($1, $2 + 2) \
         ON CONFLICT (year) DO UPDATE SET next_number = {larger}(rustsec_id_counters.next_number, $2 + 1) + 1 \
         RETURNING next_number - 1 AS number"
    );
    let row = sqlx::query(&sql)
        .bind(i64::from(year))
        .bind(i64::from(floor))
        .fetch_one(conn)
        .await
        .map_err(Error::sql(&operation))?;
    let number: i64 = row.try_get("number").map_err(Error::sql(&operation))?;
    let number = u32::try_from(number)
        .map_err(|_| Error::corrupt(&operation, format!("the counter of {year} is out of range: {number}")))?;
    Ok(RustsecId { year, number })
}

/// Gives back the number just allocated by [`allocate_in`] in the same transaction, which still holds
/// the year's row locked, so no other allocation came after it.
pub(crate) async fn release_in<E>(conn: &mut AnyConnection, id: RustsecId) -> Result<(), Error<E>> {
    sqlx::query("UPDATE rustsec_id_counters SET next_number = $1 WHERE year = $2 AND next_number = $3")
        .bind(i64::from(id.number))
        .bind(i64::from(id.year))
        .bind(i64::from(id.number) + 1)
        .execute(conn)
        .await
        .map_err(Error::sql(format!("give back unused RustSec id {id}")))?;
    Ok(())
}

impl Store {
    /// Allocates a RustSec id for `year`: the next number after the last one this store allocated for
    /// that year, and above `floor`, the highest number of that year already in the public advisory
    /// database. Distinct under concurrency, across replicas too.
    ///
    /// To allocate an id in the same transaction as the change that uses it, use
    /// [`ApplyOptions::allocate_rustsec_id`](crate::ApplyOptions::allocate_rustsec_id) instead.
    pub async fn allocate_rustsec_id(&self, year: u16, floor: u32) -> Result<RustsecId, Error> {
        let operation = format!("allocate a RustSec id for {year}");
        let mut tx = self.begin_write(&operation).await?;
        let id = allocate_in(&mut tx, self.backend, year, floor).await?;
        tx.commit().await.map_err(Error::sql(&operation))?;
        Ok(id)
    }
}
