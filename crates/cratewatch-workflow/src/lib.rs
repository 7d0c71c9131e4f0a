#![doc = include_str!("../README.md")]

mod mail;
mod map;
mod published;
mod service;
mod users;

pub use crate::mail::{Mail, MailError, Mailer, NoMailer, SmtpMailer};
pub use crate::map::advisory_date;
pub use crate::published::Published;
pub use crate::service::{Disclosure, DisclosureConfig, Principal, ReportView, Submission, Tick, WorkflowError};
pub use crate::users::{SESSION_TTL, Session, UserWithTokens};
