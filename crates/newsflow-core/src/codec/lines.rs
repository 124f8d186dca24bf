//! Reading a stream a line at a time with a bound on a line's length, for the sources
//! that read lines (`dir`'s `.jsonl` files, `stdin`).

use crate::OVERSIZED_RAW_KEPT;
use std::io;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// How [`next_line`] found the next line.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// No more lines.
    End,
    /// The line is in the buffer, without its newline.
    Whole,
    /// The line, this many bytes without its newline, is over the limit:
    /// the buffer holds its first [`OVERSIZED_RAW_KEPT`] bytes.
    TooLong(u64),
}

/// Reads the next line into `line`, holding at most `limit` bytes of it:
/// past the limit the line is read on to its newline without being kept.
pub async fn next_line(
    reader: &mut (impl AsyncBufRead + Unpin),
    line: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Line> {
    line.clear();
    let mut size = 0u64;
    let mut any = false;
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            break;
        }
        any = true;
        let (part, used, ended) = match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => (&buffer[..end], end + 1, true),
            None => (buffer, buffer.len(), false),
        };
        size += part.len() as u64;
        if size <= limit as u64 {
            line.extend_from_slice(part);
        } else {
            line.truncate(OVERSIZED_RAW_KEPT);
            let room = OVERSIZED_RAW_KEPT - line.len();
            line.extend_from_slice(&part[..room.min(part.len())]);
        }
        reader.consume(used);
        if ended {
            break;
        }
    }
    Ok(match (any, size > limit as u64) {
        (false, _) => Line::End,
        (true, false) => Line::Whole,
        (true, true) => Line::TooLong(size),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_line_over_the_limit_is_skipped_to_its_newline() {
        let long = "x".repeat(5000);
        let input = format!("short\n{long}\r\nafter\nlast without newline");
        let mut reader = tokio::io::BufReader::with_capacity(64, input.as_bytes());
        let mut line = Vec::new();
        let mut got = Vec::new();
        loop {
            let next = next_line(&mut reader, &mut line, 100).await.unwrap();
            if next == Line::End {
                break;
            }
            assert!(
                line.len() <= OVERSIZED_RAW_KEPT,
                "held {} bytes",
                line.len()
            );
            got.push((next, String::from_utf8(line.clone()).unwrap()));
        }
        assert_eq!(got[0], (Line::Whole, "short".to_owned()));
        assert_eq!(got[1].0, Line::TooLong(5001));
        assert_eq!(got[1].1, "x".repeat(OVERSIZED_RAW_KEPT));
        assert_eq!(got[2], (Line::Whole, "after".to_owned()));
        assert_eq!(got[3], (Line::Whole, "last without newline".to_owned()));
        assert_eq!(got.len(), 4);
    }
}
