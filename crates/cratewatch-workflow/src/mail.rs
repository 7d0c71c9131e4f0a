//! Sending the disclosure workflow's notifications: a `Mailer` trait, so that tests and deployments
//! without mail can drive delivery, and an SMTP implementation.
//!
//! Delivery never decides what is sent: notifications wait in the store's outbox and the delivery loop
//! hands them here one at a time; a failure is recorded on the outbox row and retried later.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// One message to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// The recipient addresses.
    pub to: Vec<String>,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// Why a message could not be delivered (it stays in the outbox and is retried).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailError(pub String);

/// Delivers mail. Implementations must be safe to call concurrently.
pub trait Mailer: Send + Sync {
    /// Sends one message.
    fn send<'a>(&'a self, mail: &'a Mail) -> Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;
}

/// Sends through an SMTP server without TLS or authentication: a relay on the same host or network
/// (Postfix, a sidecar). Plain SMTP keeps the deployment simple; put TLS in the relay.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// A mailer for the relay at `host:port`, sending as `from` (`"Name <address>"` or an address).
    pub fn new(host: &str, port: u16, from: &str) -> Result<SmtpMailer, MailError> {
        let from = from.parse::<Mailbox>().map_err(|e| MailError(format!("invalid sender address `{from}`: {e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, mail: &'a Mail) -> Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>> {
        Box::pin(async move {
            let mut builder = Message::builder().from(self.from.clone()).subject(mail.subject.clone());
            for to in &mail.to {
                let mailbox =
                    to.parse::<Mailbox>().map_err(|e| MailError(format!("invalid recipient address `{to}`: {e}")))?;
                builder = builder.to(mailbox);
            }
            let message = builder
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())
                .map_err(|e| MailError(format!("cannot build the message: {e}")))?;
            self.transport.send(message).await.map_err(|e| MailError(format!("SMTP delivery failed: {e}")))?;
            Ok(())
        })
    }
}

/// A mailer that delivers nothing and says so: the notifications stay in the outbox, visible on the
/// dashboard, until a mail relay is configured.
pub struct NoMailer;

impl Mailer for NoMailer {
    fn send<'a>(&'a self, _mail: &'a Mail) -> Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>> {
        Box::pin(async { Err(MailError("no SMTP relay is configured (--smtp)".to_owned())) })
    }
}
