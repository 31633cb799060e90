//! "Did you mean": the nearest of a few known names to a misspelt one, by
//! edit distance (insertions, deletions, substitutions and swaps of two
//! neighbouring letters each cost one).

/// The known name nearest to `wrong`, if it is close enough to be a typo:
/// at most one edit per three letters (and always at least one).
pub fn nearest<'a, I>(wrong: &str, known: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (wrong.chars().count() / 3).max(1);
    known
        .into_iter()
        .map(|name| (distance(wrong, name), name))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// "unknown daemon `wbe`, did you mean `web`?", or the list of daemons when
/// none is close.
pub(crate) fn unknown_daemon<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let known: Vec<&str> = known.into_iter().collect();
    match nearest(name, known.iter().copied()) {
        Some(near) => format!("unknown daemon `{name}`, did you mean `{near}`?"),
        None => format!(
            "unknown daemon `{name}`; the daemons are {}",
            known.join(", ")
        ),
    }
}

/// The optimal-string-alignment distance between `a` and `b`.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_and_single_edits_are_close() {
        assert_eq!(distance("pid_flie", "pid_file"), 1);
        assert_eq!(distance("tpc", "tcp"), 1);
        assert_eq!(distance("reddis", "redis"), 1);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn the_nearest_close_name_is_suggested_and_far_ones_are_not() {
        let keys = ["pid_file", "log_file", "lock_file"];
        assert_eq!(nearest("pid_flie", keys), Some("pid_file"));
        assert_eq!(nearest("lgo_file", keys), Some("log_file"));
        assert_eq!(nearest("colour", keys), None);
        assert_eq!(nearest("x", ["y"]), Some("y"));
    }
}
