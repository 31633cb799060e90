//! Samples of one measurement and their min, median and max. Values are
//! plain `f64`s in the row's unit (milliseconds, MiB, a ratio), so one type
//! serves every row.

/// The values measured over several runs.
#[derive(Debug, Clone, Default)]
pub struct Samples(Vec<f64>);

impl Samples {
    /// Adds one value.
    pub fn push(&mut self, value: f64) {
        self.0.push(value);
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    fn sorted(&self) -> Vec<f64> {
        let mut values = self.0.clone();
        values.sort_by(f64::total_cmp);
        values
    }

    /// The smallest value (NaN when empty).
    pub fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }

    /// The largest value (NaN when empty).
    pub fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }

    /// The median; the mean of the two middle values for an even count.
    pub fn median(&self) -> f64 {
        let values = self.sorted();
        let n = values.len();
        match n {
            0 => f64::NAN,
            _ if n % 2 == 1 => values[n / 2],
            _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Samples;

    fn samples(values: &[f64]) -> Samples {
        let mut samples = Samples::default();
        for value in values {
            samples.push(*value);
        }
        samples
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(samples(&[3.0, 1.0, 2.0]).median(), 2.0);
        assert_eq!(samples(&[4.0, 1.0, 3.0, 2.0]).median(), 2.5);
        assert!(samples(&[]).median().is_nan());
    }

    #[test]
    fn min_and_max() {
        let values = samples(&[5.0, -1.0, 9.5]);
        assert_eq!((values.min(), values.max(), values.len()), (-1.0, 9.5, 3));
    }
}
