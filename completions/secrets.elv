
use builtin;
use str;

set edit:completion:arg-completer[secrets] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'secrets'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'secrets'= {
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand encrypt 'Encrypt a plaintext file (values only; keys, comments and layout stay)'
            cand decrypt 'Decrypt a file to standard output (or in place, or to --output); several files to --output-dir or in place, their data keys recovered together'
            cand edit 'Edit an encrypted file in your editor; only the values you change are re-encrypted'
            cand set 'Set one value of an encrypted file (only that value''s line changes, plus mac/lastmodified)'
            cand unset 'Remove one key or list item from an encrypted file (only its lines change)'
            cand exec-env 'Run a command with the file''s values as environment variables'
            cand exec-file 'Run a command with the decrypted file at a private path, given as {}'
            cand rotate 'Generate a new data key and encrypt every value again with it'
            cand updatekeys 'Re-wrap files'' data keys for the recipients .sops.yaml names now (values untouched)'
            cand groups 'Add or delete key groups (Shamir secret sharing: any N groups recover the data key)'
            cand filestatus 'Print whether a file is encrypted: {"encrypted":true} or {"encrypted":false}'
            cand keygen 'Create an age identity, add it to the SOPS key file and print its recipient'
            cand check 'Check files before they are committed: files a .sops.yaml creation rule covers must be encrypted, encrypted files must be intact, and plaintext must not hold secrets'
            cand audit 'Audit a git repository for the common mistakes with secret files'
            cand diff 'Print a file decrypted, for `git diff` and `git log -p` (textconv of the `secrets` diff driver that `secrets git-setup` configures)'
            cand merge 'Merge three versions of an encrypted file (git merge driver: secrets merge %O %A %B %P)'
            cand git-setup 'Set up git for encrypted files: .gitattributes lines for the files the creation rules match, and the git config of the `secrets` diff and merge drivers'
            cand completions 'Print the shell completion script for SHELL, or write all of them (--write-all DIR)'
            cand man 'Print the manual page (roff), or write one per command into a directory (--dir DIR)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'secrets;encrypt'= {
            cand --input-type 'Format of the input, instead of the one its file name says (unknown names: binary)'
            cand --output-type 'Format of the output (default: the input''s)'
            cand --filename-override 'Name to guess formats from, for standard input'
            cand --output 'Write the result to this file instead of standard output'
            cand -a 'age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients'
            cand --age 'age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients'
            cand -p 'PGP fingerprints, comma-separated (gpg must have their public keys)'
            cand --pgp 'PGP fingerprints, comma-separated (gpg must have their public keys)'
            cand -k 'AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role'
            cand --kms 'AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role'
            cand --gcp-kms 'GCP KMS key resource IDs, comma-separated'
            cand --azure-kv 'Azure Key Vault key URLs (https://VAULT/keys/NAME[/VERSION]), comma-separated'
            cand --hc-vault-transit 'Vault transit key URIs (https://HOST:8200/v1/MOUNT/keys/NAME), comma-separated'
            cand --aws-profile 'The AWS profile to use for the KMS keys'
            cand --encryption-context 'The encryption context of the KMS keys: key:value pairs, comma-separated'
            cand --shamir-secret-sharing-threshold 'With several key groups, how many must be decrypted to recover the data key'
            cand --unencrypted-suffix 'Keep values under keys ending with this suffix in plaintext [default: _unencrypted]'
            cand --encrypted-suffix 'Encrypt only values under keys ending with this suffix'
            cand --unencrypted-regex 'Keep values under keys matching this regex in plaintext'
            cand --encrypted-regex 'Encrypt only values under keys matching this regex'
            cand --unencrypted-comment-regex 'Keep values after a comment matching this regex in plaintext'
            cand --encrypted-comment-regex 'Encrypt only values after a comment matching this regex'
            cand --cipher 'Cipher of the values (default: aes256-gcm; a reused destination keeps its own)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -i 'Write the result back to the input file'
            cand --in-place 'Write the result back to the input file'
            cand --force 'Write through a symbolic link that leads out of the file''s directory, or binary data to a terminal'
            cand --mac-only-encrypted 'Compute the MAC over encrypted values only, so plaintext values may be edited freely'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;decrypt'= {
            cand --input-type 'Format of the input, instead of the one its file name says (unknown names: binary)'
            cand --output-type 'Format of the output (default: the input''s)'
            cand --filename-override 'Name to guess formats from, for standard input'
            cand --output 'Write the result to this file instead of standard output'
            cand --output-dir 'Write each decrypted file into this directory, under its own name'
            cand --extract 'Output only the value at this path, e.g. ''["db"]["password"]'' or ''["hosts"][0]'''
            cand --decryption-order 'Key types to try first, comma-separated (e.g. age,pgp)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -i 'Write the result back to the input file'
            cand --in-place 'Write the result back to the input file'
            cand --force 'Write through a symbolic link that leads out of the file''s directory, or binary data to a terminal'
            cand --ignore-mac 'Do not verify the MAC (only for files whose content you trust)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'secrets;edit'= {
            cand --input-type 'Format of the file, instead of guessing it from its name'
            cand -a 'age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients'
            cand --age 'age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients'
            cand -p 'PGP fingerprints, comma-separated (gpg must have their public keys)'
            cand --pgp 'PGP fingerprints, comma-separated (gpg must have their public keys)'
            cand -k 'AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role'
            cand --kms 'AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role'
            cand --gcp-kms 'GCP KMS key resource IDs, comma-separated'
            cand --azure-kv 'Azure Key Vault key URLs (https://VAULT/keys/NAME[/VERSION]), comma-separated'
            cand --hc-vault-transit 'Vault transit key URIs (https://HOST:8200/v1/MOUNT/keys/NAME), comma-separated'
            cand --aws-profile 'The AWS profile to use for the KMS keys'
            cand --encryption-context 'The encryption context of the KMS keys: key:value pairs, comma-separated'
            cand --unencrypted-suffix 'Keep values under keys ending with this suffix in plaintext [default: _unencrypted]'
            cand --encrypted-suffix 'Encrypt only values under keys ending with this suffix'
            cand --unencrypted-regex 'Keep values under keys matching this regex in plaintext'
            cand --encrypted-regex 'Encrypt only values under keys matching this regex'
            cand --unencrypted-comment-regex 'Keep values after a comment matching this regex in plaintext'
            cand --encrypted-comment-regex 'Encrypt only values after a comment matching this regex'
            cand --cipher 'Cipher of the values of a new file (default: aes256-gcm); a file keeps its own'
            cand --decryption-order 'Key types to try first, comma-separated (e.g. age,pgp)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand --ignore-mac 'Do not verify the MAC (only for files whose content you trust)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;set'= {
            cand --input-type 'Format of the file, instead of guessing it from its name'
            cand --decryption-order 'Key types to try first, comma-separated (e.g. age,pgp)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand --ignore-mac 'Do not verify the MAC (only for files whose content you trust)'
            cand --value-stdin 'Read the value (JSON) from standard input'
            cand --value-file 'VALUE is a file to read the value (JSON) from'
            cand --idempotent 'Do not write the file when the value is already there'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;unset'= {
            cand --input-type 'Format of the file, instead of guessing it from its name'
            cand --decryption-order 'Key types to try first, comma-separated (e.g. age,pgp)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand --ignore-mac 'Do not verify the MAC (only for files whose content you trust)'
            cand --idempotent 'Succeed without writing when the path is not in the file'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'secrets;exec-env'= {
            cand --input-type 'Format of the file, instead of guessing it from its name'
            cand --decryption-order 'Key types to try first, comma-separated (e.g. age,pgp)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand --pristine 'Give the command only the file''s values, not secrets'' own environment'
            cand --same-process 'Replace secrets by the command (exec) instead of running it as a child'
            cand --ignore-mac 'Do not verify the MAC (only for files whose content you trust)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;exec-file'= {
            cand --filename 'Name of the plaintext file'
            cand --input-type 'Format of the file, instead of guessing it from its name'
            cand --output-type 'Format of the plaintext (default: the file''s)'
            cand --decryption-order 'Key types to try first, comma-separated (e.g. age,pgp)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand --no-fifo 'Write a regular 0600 file instead of a FIFO (for commands that read it twice)'
            cand --ignore-mac 'Do not verify the MAC (only for files whose content you trust)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;rotate'= {
            cand --output 'Write the result to this file instead of standard output'
            cand --input-type 'Format of the input, instead of guessing it from the file name'
            cand --output-type 'Format of the output (default: the input''s)'
            cand --add-age 'Add these age recipients (comma-separated) to the first key group'
            cand --rm-age 'Remove these age recipients (comma-separated) from every key group'
            cand --add-pgp 'Add these PGP fingerprints (comma-separated) to the first key group'
            cand --rm-pgp 'Remove these PGP fingerprints (comma-separated) from every key group'
            cand --add-kms 'Add these AWS KMS key ARNs (comma-separated, ARN[+ROLE_ARN]) to the first key group'
            cand --rm-kms 'Remove these AWS KMS key ARNs (comma-separated) from every key group'
            cand --add-gcp-kms 'Add these GCP KMS resource IDs (comma-separated) to the first key group'
            cand --rm-gcp-kms 'Remove these GCP KMS resource IDs (comma-separated) from every key group'
            cand --add-azure-kv 'Add these Azure Key Vault key URLs (comma-separated) to the first key group'
            cand --rm-azure-kv 'Remove these Azure Key Vault key URLs (comma-separated) from every key group'
            cand --add-hc-vault-transit 'Add these Vault transit key URIs (comma-separated) to the first key group'
            cand --rm-hc-vault-transit 'Remove these Vault transit key URIs (comma-separated) from every key group'
            cand --aws-profile 'The AWS profile to use for the KMS keys'
            cand --encryption-context 'The encryption context of the KMS keys: key:value pairs, comma-separated'
            cand --decryption-order 'Key types to try first, comma-separated'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand --all 'Rotate every encrypted file under the .sops.yaml directory that a creation rule matches (files .gitignore excludes are skipped); needs --in-place'
            cand -i 'Write the result back to the file'
            cand --in-place 'Write the result back to the file'
            cand --ignore-mac 'Do not verify the MAC (only for files whose content you trust)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;updatekeys'= {
            cand --input-type 'Format of the files, instead of guessing it from their names'
            cand --shamir-secret-sharing-threshold 'Shares needed with several key groups (default: the rule''s, else the file''s)'
            cand --decryption-order 'Key types to try first to recover data keys, comma-separated'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand --all 'Update every encrypted file under the config''s directory that a creation rule matches (files .gitignore excludes are skipped)'
            cand -y 'Update without asking'
            cand --yes 'Update without asking'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'secrets;groups'= {
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -h 'Print help'
            cand --help 'Print help'
            cand add 'Add a key group of the given keys'
            cand delete 'Delete the key group at INDEX (counted from 0, as sops does)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'secrets;groups;add'= {
            cand -f 'The encrypted file'
            cand --file 'The encrypted file'
            cand --shamir-secret-sharing-threshold 'How many key groups are needed to recover the data key (default: the file''s, or all)'
            cand --input-type 'Format of the file, instead of guessing it from its name'
            cand --decryption-order 'Key types to try first, comma-separated'
            cand --age 'An age recipient of the new group (repeatable, or comma-separated)'
            cand --pgp 'A PGP fingerprint of the new group (repeatable, or comma-separated)'
            cand --kms 'An AWS KMS key ARN (ARN[+ROLE_ARN]) of the new group (repeatable, or comma-separated)'
            cand --gcp-kms 'A GCP KMS resource ID of the new group (repeatable, or comma-separated)'
            cand --azure-kv 'An Azure Key Vault key URL of the new group (repeatable, or comma-separated)'
            cand --hc-vault-transit 'A Vault transit key URI of the new group (repeatable, or comma-separated)'
            cand --aws-profile 'The AWS profile to use for the KMS keys'
            cand --encryption-context 'The encryption context of the KMS keys: key:value pairs, comma-separated'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -i 'Write the result back to the file instead of standard output'
            cand --in-place 'Write the result back to the file instead of standard output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'secrets;groups;delete'= {
            cand -f 'The encrypted file'
            cand --file 'The encrypted file'
            cand --shamir-secret-sharing-threshold 'How many key groups are needed to recover the data key (default: the file''s, or all)'
            cand --input-type 'Format of the file, instead of guessing it from its name'
            cand --decryption-order 'Key types to try first, comma-separated'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -i 'Write the result back to the file instead of standard output'
            cand --in-place 'Write the result back to the file instead of standard output'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'secrets;groups;help'= {
            cand add 'Add a key group of the given keys'
            cand delete 'Delete the key group at INDEX (counted from 0, as sops does)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'secrets;groups;help;add'= {
        }
        &'secrets;groups;help;delete'= {
        }
        &'secrets;groups;help;help'= {
        }
        &'secrets;filestatus'= {
            cand --input-type 'Format of the input, instead of the one its file name says (unknown names: binary)'
            cand --output-type 'Format of the output (default: the input''s)'
            cand --filename-override 'Name to guess formats from, for standard input'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'secrets;keygen'= {
            cand -o 'Add the identity to this file instead'
            cand --output 'Add the identity to this file instead'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;check'= {
            cand --format 'How to print problems'
            cand --decryption-order 'Key types to try first, comma-separated (e.g. age,pgp)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand --all 'Check every file of the work tree (tracked or not ignored), as it is on disk'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;audit'= {
            cand --max-age 'Report data keys older than this: days, or a number with d (days), w (weeks), y (years)'
            cand --fail-on 'Exit 1 when a finding has at least this severity'
            cand --format 'How to print the report'
            cand --decryption-order 'Key types to try first, comma-separated (e.g. age,pgp)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand --history 'Scan every blob of every reachable commit for secrets too'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;diff'= {
            cand --decryption-order 'Key types to try first, comma-separated (e.g. age,pgp)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;merge'= {
            cand --decryption-order 'Key types to try first, comma-separated (e.g. age,pgp)'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;git-setup'= {
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand --pre-commit 'Also install a git pre-commit hook that runs `secrets check`'
            cand --global 'Write the driver config to the global git config (~/.gitconfig) instead of the repository''s'
            cand --check 'Only report what is missing (exit 1 when something is)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;completions'= {
            cand --write-all 'Write the scripts of every shell into DIR instead'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'secrets;man'= {
            cand --dir 'Write `secrets.1` and a page per subcommand (`secrets-encrypt.1`, ...) into DIR'
            cand --config 'The .sops.yaml to use, instead of the first one found from the current directory up'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'secrets;help'= {
            cand encrypt 'Encrypt a plaintext file (values only; keys, comments and layout stay)'
            cand decrypt 'Decrypt a file to standard output (or in place, or to --output); several files to --output-dir or in place, their data keys recovered together'
            cand edit 'Edit an encrypted file in your editor; only the values you change are re-encrypted'
            cand set 'Set one value of an encrypted file (only that value''s line changes, plus mac/lastmodified)'
            cand unset 'Remove one key or list item from an encrypted file (only its lines change)'
            cand exec-env 'Run a command with the file''s values as environment variables'
            cand exec-file 'Run a command with the decrypted file at a private path, given as {}'
            cand rotate 'Generate a new data key and encrypt every value again with it'
            cand updatekeys 'Re-wrap files'' data keys for the recipients .sops.yaml names now (values untouched)'
            cand groups 'Add or delete key groups (Shamir secret sharing: any N groups recover the data key)'
            cand filestatus 'Print whether a file is encrypted: {"encrypted":true} or {"encrypted":false}'
            cand keygen 'Create an age identity, add it to the SOPS key file and print its recipient'
            cand check 'Check files before they are committed: files a .sops.yaml creation rule covers must be encrypted, encrypted files must be intact, and plaintext must not hold secrets'
            cand audit 'Audit a git repository for the common mistakes with secret files'
            cand diff 'Print a file decrypted, for `git diff` and `git log -p` (textconv of the `secrets` diff driver that `secrets git-setup` configures)'
            cand merge 'Merge three versions of an encrypted file (git merge driver: secrets merge %O %A %B %P)'
            cand git-setup 'Set up git for encrypted files: .gitattributes lines for the files the creation rules match, and the git config of the `secrets` diff and merge drivers'
            cand completions 'Print the shell completion script for SHELL, or write all of them (--write-all DIR)'
            cand man 'Print the manual page (roff), or write one per command into a directory (--dir DIR)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'secrets;help;encrypt'= {
        }
        &'secrets;help;decrypt'= {
        }
        &'secrets;help;edit'= {
        }
        &'secrets;help;set'= {
        }
        &'secrets;help;unset'= {
        }
        &'secrets;help;exec-env'= {
        }
        &'secrets;help;exec-file'= {
        }
        &'secrets;help;rotate'= {
        }
        &'secrets;help;updatekeys'= {
        }
        &'secrets;help;groups'= {
            cand add 'Add a key group of the given keys'
            cand delete 'Delete the key group at INDEX (counted from 0, as sops does)'
        }
        &'secrets;help;groups;add'= {
        }
        &'secrets;help;groups;delete'= {
        }
        &'secrets;help;filestatus'= {
        }
        &'secrets;help;keygen'= {
        }
        &'secrets;help;check'= {
        }
        &'secrets;help;audit'= {
        }
        &'secrets;help;diff'= {
        }
        &'secrets;help;merge'= {
        }
        &'secrets;help;git-setup'= {
        }
        &'secrets;help;completions'= {
        }
        &'secrets;help;man'= {
        }
        &'secrets;help;help'= {
        }
    ]
    $completions[$command]
}
