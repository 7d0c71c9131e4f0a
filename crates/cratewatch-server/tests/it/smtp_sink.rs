//! A local SMTP sink on loopback for the notification tests: it speaks enough SMTP (RFC 5321) for a
//! real client, keeps every message it accepts, and can be told to refuse deliveries for a while
//! (`451`), as a relay that is down would.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One accepted message.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) from: String,
    pub(crate) to: Vec<String>,
    pub(crate) data: String,
}

/// The sink; it runs until the test's runtime stops.
#[derive(Clone)]
pub(crate) struct SmtpSink {
    pub(crate) address: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicUsize>,
}

impl SmtpSink {
    /// Starts a sink on 127.0.0.1 on a free port, inside the current tokio runtime.
    pub(crate) async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let sink =
            SmtpSink { address: listener.local_addr().unwrap(), received: Arc::default(), refuse: Arc::default() };
        let accepting = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let sink = accepting.clone();
                tokio::spawn(async move {
                    let _ = sink.session(stream).await;
                });
            }
        });
        sink
    }

    /// Refuses the next `n` messages with a temporary failure.
    pub(crate) fn refuse_next(&self, n: usize) {
        self.refuse.store(n, Ordering::SeqCst);
    }

    /// The messages accepted so far.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.test ESMTP\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            if upper.starts_with("EHLO") {
                write.write_all(b"250-sink.test\r\n250 8BITMIME\r\n").await?;
            } else if upper.starts_with("HELO") {
                write.write_all(b"250 sink.test\r\n").await?;
            } else if upper.starts_with("MAIL FROM:") {
                from = command[10..].trim().trim_matches(['<', '>']).to_owned();
                to.clear();
                write.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("RCPT TO:") {
                to.push(command[8..].trim().trim_matches(['<', '>']).to_owned());
                write.write_all(b"250 OK\r\n").await?;
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let refused =
                    self.refuse.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
                if refused {
                    write.write_all(b"451 try again later\r\n").await?;
                } else {
                    self.received.lock().unwrap().push(Received { from: from.clone(), to: to.clone(), data });
                    write.write_all(b"250 OK queued\r\n").await?;
                }
            } else if upper == "RSET" || upper == "NOOP" {
                write.write_all(b"250 OK\r\n").await?;
            } else if upper == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                write.write_all(b"502 command not implemented\r\n").await?;
            }
        }
    }
}

#[tokio::test]
async fn smtp_mailer_delivers_to_a_relay_and_reports_its_refusals() {
    use cratewatch_workflow::{Mail, Mailer, SmtpMailer};

    let sink = SmtpSink::start().await;
    let mailer = SmtpMailer::new("127.0.0.1", sink.address.port(), "cratewatch <security@cratewatch.test>").unwrap();
    let mail = Mail {
        to: vec!["reporter@example.test".to_owned()],
        subject: "Report 1 acknowledged".to_owned(),
        body: "We received your report.\n.A line that starts with a dot.\n".to_owned(),
    };
    mailer.send(&mail).await.expect("delivered");
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].from, "security@cratewatch.test");
    assert_eq!(got[0].to, ["reporter@example.test"]);
    assert!(got[0].data.contains("Subject: Report 1 acknowledged"), "{}", got[0].data);
    assert!(got[0].data.contains("\r\n.A line that starts with a dot."), "dot-stuffing undone: {}", got[0].data);

    sink.refuse_next(1);
    let error = mailer.send(&mail).await.expect_err("the relay refused");
    assert!(error.to_string().contains("SMTP delivery failed"), "{error}");
    assert_eq!(sink.received().len(), 1);
    mailer.send(&mail).await.expect("delivered once the relay accepts again");
    assert_eq!(sink.received().len(), 2);

    assert!(SmtpMailer::new("127.0.0.1", 25, "not an address").is_err());
    let bad = Mail { to: vec!["nobody".to_owned()], ..mail };
    assert!(mailer.send(&bad).await.unwrap_err().to_string().contains("invalid recipient address `nobody`"));
}
