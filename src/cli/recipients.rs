//! Key flags shared by the commands that choose recipients (`encrypt`, `groups add`), and
//! the `--add-*`/`--rm-*` pairs of `rotate`.

use anyhow::Context;
use secrets::config::Settings;
use secrets::keys::{self, KeySpec, Recipient, RecipientGroups};
use serde_json::Value;

/// Key types in the order sops lists the keys of a group given by flags.
pub const SOPS_ORDER: [&str; 6] = ["kms", "gcp_kms", "azure_kv", "pgp", "hc_vault", "age"];

/// Keys to encrypt for; any of them replaces every key of the creation rule.
#[derive(clap::Args, Default)]
pub struct KeyArgs {
    /// age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients
    #[arg(short, long, env = "SOPS_AGE_RECIPIENTS", value_name = "RECIPIENTS")]
    age: Option<String>,
    /// PGP fingerprints, comma-separated (gpg must have their public keys)
    #[arg(short, long, env = "SOPS_PGP_FP", value_name = "FINGERPRINTS")]
    pgp: Option<String>,
    /// AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role
    #[arg(short, long, env = "SOPS_KMS_ARN", value_name = "ARNS")]
    kms: Option<String>,
    /// GCP KMS key resource IDs, comma-separated
    #[arg(long, env = "SOPS_GCP_KMS_IDS", value_name = "IDS")]
    gcp_kms: Option<String>,
    /// Azure Key Vault key URLs (https://VAULT/keys/NAME[/VERSION]), comma-separated
    #[arg(long, env = "SOPS_AZURE_KEYVAULT_URLS", value_name = "URLS")]
    azure_kv: Option<String>,
    /// Vault transit key URIs (https://HOST:8200/v1/MOUNT/keys/NAME), comma-separated
    #[arg(long, env = "SOPS_VAULT_URIS", value_name = "URIS")]
    hc_vault_transit: Option<String>,
    #[command(flatten)]
    kms_options: KmsOptions,
}

impl KeyArgs {
    /// The keys given, in sops's order.
    pub fn specs(&self) -> anyhow::Result<Vec<KeySpec>> {
        self.kms_options.specs(SOPS_ORDER.into_iter().zip([
            &self.kms,
            &self.gcp_kms,
            &self.azure_kv,
            &self.pgp,
            &self.hc_vault_transit,
            &self.age,
        ]))
    }
}

/// Settings of the AWS KMS keys the key flags name.
#[derive(clap::Args, Default)]
pub struct KmsOptions {
    /// The AWS profile to use for the KMS keys
    #[arg(long, value_name = "PROFILE")]
    aws_profile: Option<String>,
    /// The encryption context of the KMS keys: key:value pairs, comma-separated
    #[arg(long, value_name = "CONTEXT")]
    encryption_context: Option<String>,
}

impl KmsOptions {
    /// The keys of comma-separated `lists` by type; kms keys get these settings.
    pub fn specs<'a>(
        &self,
        lists: impl IntoIterator<Item = (&'a str, &'a Option<String>)>,
    ) -> anyhow::Result<Vec<KeySpec>> {
        let context =
            keys::parse_kms_context(self.encryption_context.as_deref().unwrap_or_default())?;
        let profile = self.aws_profile.as_deref().unwrap_or_default();
        let mut specs = Vec::new();
        for (kind, list) in lists {
            for key in keys::split_list(list.as_deref().unwrap_or_default()) {
                let mut spec = KeySpec::new(kind, key);
                if kind == "kms" {
                    if !context.is_empty() {
                        spec.options
                            .insert("context".into(), Value::Object(context.clone()));
                    }
                    if !profile.is_empty() {
                        spec.options.insert("aws_profile".into(), profile.into());
                    }
                }
                specs.push(spec);
            }
        }
        Ok(specs)
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
    /// Add these AWS KMS key ARNs (comma-separated, ARN[+ROLE_ARN]) to the first key group
    #[arg(long, value_name = "ARNS")]
    add_kms: Option<String>,
    /// Remove these AWS KMS key ARNs (comma-separated) from every key group
    #[arg(long, value_name = "ARNS")]
    rm_kms: Option<String>,
    /// Add these GCP KMS resource IDs (comma-separated) to the first key group
    #[arg(long, value_name = "IDS")]
    add_gcp_kms: Option<String>,
    /// Remove these GCP KMS resource IDs (comma-separated) from every key group
    #[arg(long, value_name = "IDS")]
    rm_gcp_kms: Option<String>,
    /// Add these Azure Key Vault key URLs (comma-separated) to the first key group
    #[arg(long, value_name = "URLS")]
    add_azure_kv: Option<String>,
    /// Remove these Azure Key Vault key URLs (comma-separated) from every key group
    #[arg(long, value_name = "URLS")]
    rm_azure_kv: Option<String>,
    /// Add these Vault transit key URIs (comma-separated) to the first key group
    #[arg(long, value_name = "URIS")]
    add_hc_vault_transit: Option<String>,
    /// Remove these Vault transit key URIs (comma-separated) from every key group
    #[arg(long, value_name = "URIS")]
    rm_hc_vault_transit: Option<String>,
    #[command(flatten)]
    kms_options: KmsOptions,
}

impl KeyChangeArgs {
    /// The recipients to add and to remove; with `missing_ok`, a removed key need not be in
    /// every file.
    pub fn changes(&self, missing_ok: bool) -> anyhow::Result<secrets::rotate::KeyChanges> {
        let parse = |lists: [&Option<String>; 6]| {
            let specs = self.kms_options.specs(SOPS_ORDER.into_iter().zip(lists))?;
            specs
                .iter()
                .map(keys::recipient)
                .collect::<Result<Vec<Box<dyn Recipient>>, _>>()
                .map_err(anyhow::Error::from)
        };
        Ok(secrets::rotate::KeyChanges {
            add: parse([
                &self.add_kms,
                &self.add_gcp_kms,
                &self.add_azure_kv,
                &self.add_pgp,
                &self.add_hc_vault_transit,
                &self.add_age,
            ])?,
            remove: parse([
                &self.rm_kms,
                &self.rm_gcp_kms,
                &self.rm_azure_kv,
                &self.rm_pgp,
                &self.rm_hc_vault_transit,
                &self.rm_age,
            ])?,
            missing_ok,
        })
    }
}
