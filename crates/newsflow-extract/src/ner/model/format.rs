//! Reading and writing model files (the layout is in the parent module's
//! documentation).

use super::table::{MAX_PASSES, MAX_ROWS};
use super::{Block, Linear, Model, Transitions};
use crate::ner::features::FEATURE_VERSION;
use crate::ner::labels::LABELS;
use crate::ner::ModelError;

const MAGIC: &[u8; 6] = b"NFNER\0";
const FORMAT_VERSION: u16 = 4;

impl Linear {
    fn write(&self, out: &mut Vec<u8>) {
        out.push(self.blocks.len() as u8);
        for block in &self.blocks {
            out.extend_from_slice(&block.scale.to_le_bytes());
            let t = &block.transitions;
            for row in std::iter::once(&t.start)
                .chain(t.between.iter())
                .chain(std::iter::once(&t.end))
            {
                for v in row {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        out.extend_from_slice(&(self.keys.len() as u32).to_le_bytes());
        for k in &self.keys {
            out.extend_from_slice(&k.to_le_bytes());
        }
        out.extend(self.weights.iter().map(|&w| w as u8));
    }

    fn read(r: &mut Reader<'_>) -> Result<Linear, ModelError> {
        let passes = r.array::<1>()?[0] as usize;
        if !(1..=MAX_PASSES).contains(&passes) {
            return Err(ModelError::new("model has an invalid number of passes"));
        }
        let mut blocks = Vec::with_capacity(passes);
        for _ in 0..passes {
            let scale = f32::from_le_bytes(r.array()?);
            if !(scale.is_finite() && scale > 0.0) {
                return Err(ModelError::new("model has an invalid scale"));
            }
            let mut transitions = Transitions::zero();
            let mut read_row = |row: &mut [f32; LABELS]| -> Result<(), ModelError> {
                for v in row.iter_mut() {
                    *v = f32::from_le_bytes(r.array()?);
                    if !v.is_finite() {
                        return Err(ModelError::new("model has an invalid transition score"));
                    }
                }
                Ok(())
            };
            read_row(&mut transitions.start)?;
            for row in transitions.between.iter_mut() {
                read_row(row)?;
            }
            read_row(&mut transitions.end)?;
            blocks.push(Block { scale, transitions });
        }
        let n = u32::from_le_bytes(r.array()?) as usize;
        let key_bytes = r.take(n.checked_mul(8).ok_or_else(truncated)?)?;
        let keys: Vec<u64> = key_bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        if keys.contains(&0) || keys.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ModelError::new("model keys are corrupt"));
        }
        if n > MAX_ROWS {
            return Err(ModelError::new("model has too many features"));
        }
        let width = passes * LABELS;
        let weight_bytes = r.take(n.checked_mul(width).ok_or_else(truncated)?)?;
        let weights: Vec<i8> = weight_bytes.iter().map(|&b| b as i8).collect();
        Ok(Linear::assemble(keys, weights, blocks))
    }
}

impl Model {
    /// Serialises the model.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&FEATURE_VERSION.to_le_bytes());
        out.extend_from_slice(&(LABELS as u32).to_le_bytes());
        out.extend_from_slice(&self.temperature.to_le_bytes());
        self.linear.write(&mut out);
        out
    }

    /// Reads a model written by [`Model::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(ModelError::new("not a newsflow entity model"));
        }
        let format = u16::from_le_bytes(r.array()?);
        if format != FORMAT_VERSION {
            return Err(ModelError::new(format!(
                "model format {format}, expected {FORMAT_VERSION}"
            )));
        }
        let features = u32::from_le_bytes(r.array()?);
        if features != FEATURE_VERSION {
            return Err(ModelError::new(format!(
                "model made for feature set {features}, this build has {FEATURE_VERSION}: retrain"
            )));
        }
        if u32::from_le_bytes(r.array()?) as usize != LABELS {
            return Err(ModelError::new("model has another label set"));
        }
        let temperature = f32::from_le_bytes(r.array()?);
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(ModelError::new("model has an invalid temperature"));
        }
        let linear = Linear::read(&mut r)?;
        if r.at != bytes.len() {
            return Err(ModelError::new("trailing bytes after the model"));
        }
        Ok(Model::with_linear(linear, temperature))
    }
}

fn truncated() -> ModelError {
    ModelError::new("model file is truncated")
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self.at.checked_add(n).ok_or_else(truncated)?;
        let slice = self.bytes.get(self.at..end).ok_or_else(truncated)?;
        self.at = end;
        Ok(slice)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
}
