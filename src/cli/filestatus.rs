//! `secrets filestatus`.

use super::Input;

/// Print whether a file is encrypted: {"encrypted":true} or {"encrypted":false}
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: Input,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (format, _) = args.input.formats()?;
    let doc = format.format().parse(args.input.read()?)?;
    let encrypted = doc
        .metadata
        .as_ref()
        .is_some_and(|md| !md.version.is_empty() && !md.mac.is_empty());
    println!("{{\"encrypted\":{encrypted}}}");
    Ok(())
}
