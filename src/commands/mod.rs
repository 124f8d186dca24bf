//! One module per subcommand.

pub mod bench;
pub mod eval_conll;
pub mod eval_numbers;
pub mod extract;
pub mod run;
pub mod train_ner;
pub mod validate;
