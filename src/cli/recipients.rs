//! Key flags shared by the commands that choose recipients (`encrypt`, `groups add`), and
//! the `--add-*`/`--rm-*` pairs of `rotate`.

use anyhow::Context;
use secrets::config::Settings;
use secrets::keys::{self, KeySpec, Recipient, RecipientGroups};

/// Keys to encrypt for; any of them replaces every key of the creation rule.
#[derive(clap::Args, Default)]
pub struct KeyArgs {
    /// age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients
    #[arg(short, long, env = "SOPS_AGE_RECIPIENTS", value_name = "RECIPIENTS")]
    age: Option<String>,
    /// PGP fingerprints, comma-separated (gpg must have their public keys)
    #[arg(short, long, env = "SOPS_PGP_FP", value_name = "FINGERPRINTS")]
    pgp: Option<String>,
}

impl KeyArgs {
    /// The keys given, in sops's order (age last).
    pub fn specs(&self) -> Vec<KeySpec> {
        [("pgp", &self.pgp), ("age", &self.age)]
            .into_iter()
            .flat_map(|(kind, list)| {
                keys::split_list(list.as_deref().unwrap_or_default())
                    .map(move |key| KeySpec::new(kind, key))
            })
            .collect()
    }
}

/// The recipients of resolved settings; an invalid key names where it came from.
pub fn recipient_groups(settings: &Settings) -> anyhow::Result<RecipientGroups> {
    keys::recipient_groups(&settings.key_groups).with_context(|| format!("in {}", settings.source))
}

/// Keys `rotate` adds or removes.
#[derive(clap::Args, Default)]
pub struct KeyChangeArgs {
    /// Add these age recipients (comma-separated) to the first key group
    #[arg(long, value_name = "RECIPIENTS")]
    add_age: Option<String>,
    /// Remove these age recipients (comma-separated) from every key group
    #[arg(long, value_name = "RECIPIENTS")]
    rm_age: Option<String>,
    /// Add these PGP fingerprints (comma-separated) to the first key group
    #[arg(long, value_name = "FINGERPRINTS")]
    add_pgp: Option<String>,
    /// Remove these PGP fingerprints (comma-separated) from every key group
    #[arg(long, value_name = "FINGERPRINTS")]
    rm_pgp: Option<String>,
}

impl KeyChangeArgs {
    /// The recipients to add and to remove; with `missing_ok`, a removed key need not be in
    /// every file.
    pub fn changes(&self, missing_ok: bool) -> anyhow::Result<secrets::rotate::KeyChanges> {
        let parse =
            |lists: [(&str, &Option<String>); 2]| -> anyhow::Result<Vec<Box<dyn Recipient>>> {
                let mut out = Vec::new();
                for (kind, list) in lists {
                    out.extend(keys::parse_recipients(
                        kind,
                        list.as_deref().unwrap_or_default(),
                    )?);
                }
                Ok(out)
            };
        Ok(secrets::rotate::KeyChanges {
            add: parse([("pgp", &self.add_pgp), ("age", &self.add_age)])?,
            remove: parse([("pgp", &self.rm_pgp), ("age", &self.rm_age)])?,
            missing_ok,
        })
    }
}
