//! The server tested over real HTTP on loopback, against the real advisory database and the 2020
//! registry index.

mod api;
mod disclosure;
mod disclosure_web;
mod hardening;
mod harness;
mod merged;
mod osv;
mod pages;
mod reach;
mod smtp_sink;
mod snapshots;
mod sync;
