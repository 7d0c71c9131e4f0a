//! The workflow's JSON API.
