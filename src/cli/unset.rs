//! `secrets unset`.

use secrets::change;
use secrets::Error;

use super::set::Place;

/// Remove one key or list item from an encrypted file (only its lines change)
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    place: Place,
    /// Succeed without writing when the path is not in the file
    #[arg(long)]
    idempotent: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (_lock, opened, doc, at) = args.place.open()?;
    let text = match change::unset(opened.format().format(), &doc, &at) {
        Err(Error::PathNotFound(_)) if args.idempotent => return Ok(()),
        other => other?,
    };
    args.place.save(&opened, text)
}
