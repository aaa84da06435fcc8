//! Scalar values in Mesos's fixed-point arithmetic: whole thousandths, so `0.1 + 0.2 == 0.3`.
//!
//! Mesos keeps scalars as doubles on the wire but rounds every one to three decimal places
//! (`llround(value * 1000)`) before comparing or adding, so clients see predictable numbers.
//! We store the rounded integer itself, which makes every operation exact and cheap.

use std::{
    fmt,
    iter::Sum,
    ops::{Add, AddAssign, Sub, SubAssign},
};

/// The largest value a scalar can hold, in thousandths (about 4.6e15 whole units).
///
/// Doubles lose whole-number precision long before this, so no real resource comes near it.
pub const MAX_MILLIS: i64 = 1 << 62;

/// A non-negative quantity with exactly three decimal places.
///
/// Arithmetic saturates: subtraction never goes below zero and addition never past
/// [`MAX_MILLIS`]. Use [`Scalar::checked_sub`] when going below zero is an error for you.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scalar {
    millis: i64,
}

/// Why a floating-point number cannot become a [`Scalar`].
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum ScalarError {
    /// NaN or an infinity.
    #[error("value {0} is not a finite number")]
    NotFinite(f64),
    /// Below zero; resources and quantities are never negative.
    #[error("value {0} is negative")]
    Negative(f64),
    /// A subnormal double, which Mesos rejects outright.
    #[error("value {0:e} is subnormal")]
    Subnormal(f64),
    /// Too large to hold in thousandths.
    #[error("value {0} is too large (at most {max})", max = MAX_MILLIS / 1000)]
    TooLarge(f64),
}

impl Scalar {
    /// Zero.
    pub const ZERO: Scalar = Scalar { millis: 0 };

    /// Rounds `value` to three decimal places, half away from zero, exactly as Mesos does.
    pub fn from_f64(value: f64) -> Result<Scalar, ScalarError> {
        if !value.is_finite() {
            return Err(ScalarError::NotFinite(value));
        }
        if value.is_subnormal() {
            return Err(ScalarError::Subnormal(value));
        }
        if value < 0.0 {
            return Err(ScalarError::Negative(value));
        }
        let scaled = (value * 1000.0).round();
        if scaled > MAX_MILLIS as f64 {
            return Err(ScalarError::TooLarge(value));
        }
        // The checks above bound `scaled` to [0, MAX_MILLIS], so the cast is exact.
        Ok(Scalar {
            millis: scaled as i64,
        })
    }

    /// A whole number of units (e.g. `Scalar::from_units(4)` is 4 cpus), saturating at the maximum.
    pub fn from_units(units: u64) -> Scalar {
        let millis = i64::try_from(units)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000);
        Scalar {
            millis: millis.min(MAX_MILLIS),
        }
    }

    /// A value given in thousandths; negative input is clamped to zero.
    pub fn from_millis(millis: i64) -> Scalar {
        Scalar {
            millis: millis.clamp(0, MAX_MILLIS),
        }
    }

    /// The value in thousandths.
    pub fn millis(self) -> i64 {
        self.millis
    }

    /// The value as a double, computed as Mesos does (whole part plus thousandths).
    pub fn as_f64(self) -> f64 {
        (self.millis / 1000) as f64 + (self.millis % 1000) as f64 / 1000.0
    }

    /// True for zero.
    pub fn is_zero(self) -> bool {
        self.millis == 0
    }

    /// `self - other`, or `None` when `other` is larger.
    pub fn checked_sub(self, other: Scalar) -> Option<Scalar> {
        (self.millis >= other.millis).then_some(Scalar {
            millis: self.millis - other.millis,
        })
    }

    /// `self - other`, or zero when `other` is larger.
    pub fn saturating_sub(self, other: Scalar) -> Scalar {
        Scalar {
            millis: (self.millis - other.millis).max(0),
        }
    }

    /// `self + other`, capped at [`MAX_MILLIS`].
    pub fn saturating_add(self, other: Scalar) -> Scalar {
        Scalar {
            millis: self.millis.saturating_add(other.millis).min(MAX_MILLIS),
        }
    }

    /// True when the value is a whole number (as `gpus` must be).
    pub fn is_whole(self) -> bool {
        self.millis % 1000 == 0
    }
}

impl Add for Scalar {
    type Output = Scalar;

    fn add(self, other: Scalar) -> Scalar {
        self.saturating_add(other)
    }
}

impl AddAssign for Scalar {
    fn add_assign(&mut self, other: Scalar) {
        *self = self.saturating_add(other);
    }
}

impl Sub for Scalar {
    type Output = Scalar;

    /// Saturates at zero.
    fn sub(self, other: Scalar) -> Scalar {
        self.saturating_sub(other)
    }
}

impl SubAssign for Scalar {
    fn sub_assign(&mut self, other: Scalar) {
        *self = self.saturating_sub(other);
    }
}

impl Sum for Scalar {
    fn sum<I: Iterator<Item = Scalar>>(iter: I) -> Scalar {
        iter.fold(Scalar::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Scalar> for Scalar {
    fn sum<I: Iterator<Item = &'a Scalar>>(iter: I) -> Scalar {
        iter.copied().sum()
    }
}

impl fmt::Display for Scalar {
    /// Whole part, then up to three decimals without trailing zeros: `4`, `0.5`, `1.234`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.millis / 1000;
        let mut fraction = self.millis % 1000;
        if fraction == 0 {
            return write!(f, "{whole}");
        }
        let mut digits = 3;
        while fraction % 10 == 0 {
            fraction /= 10;
            digits -= 1;
        }
        write!(f, "{whole}.{fraction:0digits$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(value: f64) -> Scalar {
        Scalar::from_f64(value).expect("valid scalar")
    }

    #[test]
    fn rounding_follows_mesos() {
        let cases: &[(f64, i64)] = &[
            (1.001, 1001),
            (1.5011, 1501),
            (1.5015, 1502),
            (1.2345, 1235),
            (1.2344, 1234),
            (0.00001, 0),
            (0.0005, 1),
            (-0.0, 0),
            (99999999999.9994, 99999999999999),
        ];
        for &(value, millis) in cases {
            assert_eq!(scalar(value).millis(), millis, "{value}");
        }
    }

    #[test]
    fn display_drops_trailing_zeros() {
        let cases: &[(f64, &str)] = &[
            (1.234, "1.234"),
            (1.2345, "1.235"),
            (1.1, "1.1"),
            (1.05, "1.05"),
            (1000001.0, "1000001"),
            (0.0, "0"),
            (0.001, "0.001"),
            (99999999999.9994, "99999999999.999"),
        ];
        for &(value, text) in cases {
            assert_eq!(scalar(value).to_string(), text, "{value}");
        }
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(scalar(0.1) + scalar(0.2), scalar(0.3));
        assert_eq!((scalar(0.1) + scalar(0.2)).as_f64(), 0.3);
        let mut total = Scalar::ZERO;
        for _ in 0..100_000 {
            total += scalar(1.001);
        }
        for _ in 0..100_000 {
            total -= scalar(1.001);
        }
        assert_eq!(total, Scalar::ZERO);
    }

    #[test]
    fn subtraction_saturates_or_reports() {
        assert_eq!(scalar(1.0) - scalar(2.0), Scalar::ZERO);
        assert_eq!(scalar(1.0).checked_sub(scalar(2.0)), None);
        assert_eq!(scalar(2.0).checked_sub(scalar(0.5)), Some(scalar(1.5)));
    }

    #[test]
    fn bad_doubles_are_rejected() {
        assert_eq!(Scalar::from_f64(-1.0), Err(ScalarError::Negative(-1.0)));
        assert!(matches!(
            Scalar::from_f64(f64::NAN),
            Err(ScalarError::NotFinite(_))
        ));
        assert!(matches!(
            Scalar::from_f64(f64::INFINITY),
            Err(ScalarError::NotFinite(_))
        ));
        assert!(matches!(
            Scalar::from_f64(7.63918e-313),
            Err(ScalarError::Subnormal(_))
        ));
        assert!(matches!(
            Scalar::from_f64(1e300),
            Err(ScalarError::TooLarge(_))
        ));
    }

    #[test]
    fn units_and_millis_clamp() {
        assert_eq!(Scalar::from_units(4).millis(), 4000);
        assert_eq!(Scalar::from_units(u64::MAX).millis(), MAX_MILLIS);
        assert_eq!(Scalar::from_millis(-5), Scalar::ZERO);
        assert!(Scalar::from_units(2).is_whole());
        assert!(!scalar(2.5).is_whole());
    }
}
