//! Where the last N lines of a file begin, found by scanning back from its
//! end in blocks, so `devup logs -n N` reads only what it prints, whatever
//! the size of the log.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Where the last `lines` lines of `file` begin, scanning back from its end
/// in blocks (a final line without its newline counts as a line).
pub(super) fn start_of_last_lines(file: &mut File, lines: usize) -> io::Result<u64> {
    const BLOCK: u64 = 64 * 1024;
    let len = file.metadata()?.len();
    if lines == 0 || len == 0 {
        return Ok(len);
    }
    let mut buffer = vec![0; BLOCK as usize];
    // A newline as the very last byte ends the last line; it does not start one.
    let mut end = len;
    let mut last = [0u8];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        end -= 1;
    }
    let mut seen = 0;
    while end > 0 {
        let start = end.saturating_sub(BLOCK);
        let block = &mut buffer[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(block)?;
        for (at, byte) in block.iter().enumerate().rev() {
            if *byte == b'\n' {
                seen += 1;
                if seen == lines {
                    return Ok(start + at as u64 + 1);
                }
            }
        }
        end = start;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Copies `file` from `start` to its end into `out`; returns the end.
    fn copy_from(file: &mut File, start: u64, out: &mut impl Write) -> io::Result<u64> {
        file.seek(SeekFrom::Start(start))?;
        let copied = io::copy(file, out)?;
        out.flush()?;
        Ok(start + copied)
    }

    fn tail(text: &str, lines: usize) -> String {
        let path = std::env::temp_dir().join(format!(
            "devup-tail-{}-{}-{lines}",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&path, text).unwrap();
        let mut file = File::open(&path).unwrap();
        let start = start_of_last_lines(&mut file, lines).unwrap();
        let mut out = Vec::new();
        copy_from(&mut file, start, &mut out).unwrap();
        std::fs::remove_file(&path).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc\n");
        assert_eq!(tail("a\nb\nc", 2), "b\nc");
        assert_eq!(tail("a\nb\nc\n", 5), "a\nb\nc\n");
        assert_eq!(tail("a\nb\nc\n", 0), "");
        assert_eq!(tail("", 3), "");
    }

    #[test]
    fn scans_back_over_several_blocks() {
        let text: String = (0..40_000).map(|i| format!("line {i}\n")).collect();
        assert_eq!(tail(&text, 3), "line 39997\nline 39998\nline 39999\n");
        assert_eq!(tail(&text, 40_000), text);
    }
}
