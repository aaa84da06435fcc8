//! Tables a person reads at a glance: a header row, columns aligned by padding to the widest
//! cell (two spaces apart, no trailing spaces), and the number formats the cells use.

/// A table: a header and rows of the same width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these column names.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|name| (*name).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty, extra ones are dropped.
    pub fn push(&mut self, mut row: Vec<String>) {
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    /// How many rows (without the header).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text, one line per row, each ending in a newline. Control characters in
    /// cells (a newline in a task name) are shown as spaces so rows stay one line.
    pub fn render(&self) -> String {
        let clean = |cell: &str| -> String {
            cell.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        };
        let lines: Vec<Vec<String>> = std::iter::once(&self.header)
            .chain(&self.rows)
            .map(|row| row.iter().map(|cell| clean(cell)).collect())
            .collect();
        let mut widths = vec![0; self.header.len()];
        for row in &lines {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in &lines {
            let mut line = String::new();
            for (index, (cell, width)) in row.iter().zip(&widths).enumerate() {
                if index > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                let pad = width - cell.chars().count();
                line.extend(std::iter::repeat_n(' ', pad));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A CPU count: up to three decimals, no trailing zeros (`2`, `0.5`, `0.125`).
pub fn cpus(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// A size given in megabytes, as Mesos reports `mem` and `disk`: `512MB`, `1GB`, `1.5GB`,
/// `2TB`.
pub fn megabytes(value: f64) -> String {
    let (amount, unit) = if value.abs() >= 1024.0 * 1024.0 {
        (value / (1024.0 * 1024.0), "TB")
    } else if value.abs() >= 1024.0 {
        (value / 1024.0, "GB")
    } else {
        (value, "MB")
    };
    let text = format!("{amount:.1}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

/// `used/total` of a resource formatted with `format`.
pub fn used_of(used: f64, total: f64, format: fn(f64) -> String) -> String {
    format!("{}/{}", format(used), format(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_to_the_widest_cell() {
        let mut table = Table::new(&["ID", "NAME", "STATE"]);
        table.push(vec![
            "t-1".into(),
            "a long name".into(),
            "TASK_RUNNING".into(),
        ]);
        table.push(vec!["task-22".into(), "x".into(), "TASK_FAILED".into()]);
        assert_eq!(
            table.render(),
            "ID       NAME         STATE\n\
             t-1      a long name  TASK_RUNNING\n\
             task-22  x            TASK_FAILED\n"
        );
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn an_empty_table_is_its_header() {
        let table = Table::new(&["ID", "HOSTNAME"]);
        assert!(table.is_empty());
        assert_eq!(table.render(), "ID  HOSTNAME\n");
    }

    #[test]
    fn short_rows_are_padded_and_empty_last_cells_leave_no_trailing_space() {
        let mut table = Table::new(&["A", "B", "C"]);
        table.push(vec!["1".into()]);
        table.push(vec!["22".into(), "333".into(), String::new()]);
        table.push(vec!["1".into(), "2".into(), "3".into(), "4".into()]);
        let text = table.render();
        assert_eq!(text, "A   B    C\n1\n22  333\n1   2    3\n");
        assert!(text.lines().all(|line| !line.ends_with(' ')));
    }

    #[test]
    fn control_characters_do_not_break_rows() {
        let mut table = Table::new(&["NAME", "X"]);
        table.push(vec!["two\nlines".into(), "é".into()]);
        assert_eq!(table.render(), "NAME       X\ntwo lines  é\n");
    }

    #[test]
    fn numbers_read_at_a_glance() {
        assert_eq!(cpus(2.0), "2");
        assert_eq!(cpus(0.1), "0.1");
        assert_eq!(cpus(0.125), "0.125");
        assert_eq!(cpus(0.0), "0");
        assert_eq!(megabytes(32.0), "32MB");
        assert_eq!(megabytes(0.0), "0MB");
        assert_eq!(megabytes(1024.0), "1GB");
        assert_eq!(megabytes(1536.0), "1.5GB");
        assert_eq!(megabytes(15_892.0), "15.5GB");
        assert_eq!(megabytes(3.0 * 1024.0 * 1024.0), "3TB");
        assert_eq!(used_of(0.5, 2.0, cpus), "0.5/2");
    }
}
