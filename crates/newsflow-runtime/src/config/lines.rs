//! Where each key of a TOML file is written, for error messages.

/// Where each key of the TOML file is written, for error messages.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    document: toml_edit::Document<String>,
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub(super) fn parse(text: &str) -> Result<LineIndex, (Option<usize>, String)> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect::<Vec<_>>();
        let document = toml_edit::Document::parse(text.to_owned()).map_err(|e| {
            let line = e
                .span()
                .map(|span| line_starts.partition_point(|&start| start <= span.start));
            (line, format!("not valid TOML: {}", e.message()))
        })?;
        Ok(LineIndex {
            document,
            line_starts,
        })
    }

    /// The line of the deepest part of `key` the file writes: the key
    /// itself, or else the table that should hold it.
    pub(crate) fn line_of(&self, key: &str) -> Option<usize> {
        let mut table: &dyn toml_edit::TableLike = self.document.as_table();
        let mut offset = None;
        for part in key.split('.') {
            let part = part.split('[').next().unwrap_or(part);
            let Some(item) = table.get(part) else { break };
            offset = table
                .key(part)
                .and_then(|k| k.span())
                .or_else(|| item.span())
                .map(|span| span.start)
                .or(offset);
            match item.as_table_like() {
                Some(inner) => table = inner,
                None => break,
            }
        }
        offset.map(|start| {
            self.line_starts
                .partition_point(|&line_start| line_start <= start)
        })
    }
}
