# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_secrets_global_optspecs
    string join \n config= h/help V/version
end

function __fish_secrets_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_secrets_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_secrets_using_subcommand
    set -l cmd (__fish_secrets_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c secrets -n "__fish_secrets_needs_command" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_needs_command" -s V -l version -d 'Print version'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "encrypt" -d 'Encrypt a plaintext file (values only; keys, comments and layout stay)'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "decrypt" -d 'Decrypt a file to standard output (or in place, or to --output); several files to --output-dir or in place, their data keys recovered together'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "edit" -d 'Edit an encrypted file in your editor; only the values you change are re-encrypted'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "set" -d 'Set one value of an encrypted file (only that value\'s line changes, plus mac/lastmodified)'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "unset" -d 'Remove one key or list item from an encrypted file (only its lines change)'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "exec-env" -d 'Run a command with the file\'s values as environment variables'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "exec-file" -d 'Run a command with the decrypted file at a private path, given as {}'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "rotate" -d 'Generate a new data key and encrypt every value again with it'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "updatekeys" -d 'Re-wrap files\' data keys for the recipients .sops.yaml names now (values untouched)'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "groups" -d 'Add or delete key groups (Shamir secret sharing: any N groups recover the data key)'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "filestatus" -d 'Print whether a file is encrypted: {"encrypted":true} or {"encrypted":false}'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "keygen" -d 'Create an age identity, add it to the SOPS key file and print its recipient'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "check" -d 'Check files before they are committed: files a .sops.yaml creation rule covers must be encrypted, encrypted files must be intact, and plaintext must not hold secrets'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "audit" -d 'Audit a git repository for the common mistakes with secret files'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "diff" -d 'Print a file decrypted, for `git diff` and `git log -p` (textconv of the `secrets` diff driver that `secrets git-setup` configures)'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "merge" -d 'Merge three versions of an encrypted file (git merge driver: secrets merge %O %A %B %P)'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "git-setup" -d 'Set up git for encrypted files: .gitattributes lines for the files the creation rules match, and the git config of the `secrets` diff and merge drivers'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "completions" -d 'Print the shell completion script for SHELL, or write all of them (--write-all DIR)'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "man" -d 'Print the manual page (roff), or write one per command into a directory (--dir DIR)'
complete -c secrets -n "__fish_secrets_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l input-type -d 'Format of the input, instead of the one its file name says (unknown names: binary)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l output-type -d 'Format of the output (default: the input\'s)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l filename-override -d 'Name to guess formats from, for standard input' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l output -d 'Write the result to this file instead of standard output' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -s a -l age -d 'age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -s p -l pgp -d 'PGP fingerprints, comma-separated (gpg must have their public keys)' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -s k -l kms -d 'AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l gcp-kms -d 'GCP KMS key resource IDs, comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l azure-kv -d 'Azure Key Vault key URLs (https://VAULT/keys/NAME[/VERSION]), comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l hc-vault-transit -d 'Vault transit key URIs (https://HOST:8200/v1/MOUNT/keys/NAME), comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l aws-profile -d 'The AWS profile to use for the KMS keys' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l encryption-context -d 'The encryption context of the KMS keys: key:value pairs, comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l shamir-secret-sharing-threshold -d 'With several key groups, how many must be decrypted to recover the data key' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l unencrypted-suffix -d 'Keep values under keys ending with this suffix in plaintext [default: _unencrypted]' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l encrypted-suffix -d 'Encrypt only values under keys ending with this suffix' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l unencrypted-regex -d 'Keep values under keys matching this regex in plaintext' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l encrypted-regex -d 'Encrypt only values under keys matching this regex' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l unencrypted-comment-regex -d 'Keep values after a comment matching this regex in plaintext' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l encrypted-comment-regex -d 'Encrypt only values after a comment matching this regex' -r
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l cipher -d 'Cipher of the values (default: aes256-gcm; a reused destination keeps its own)' -r -f -a "aes256-gcm\t'AES256_GCM, the SOPS cipher: sops and secrets read the file (the default)'
xchacha20-poly1305\t'XCHACHA20_POLY1305: only secrets reads the file, sops cannot'"
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -s i -l in-place -d 'Write the result back to the input file'
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l force -d 'Write through a symbolic link that leads out of the file\'s directory, or binary data to a terminal'
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -l mac-only-encrypted -d 'Compute the MAC over encrypted values only, so plaintext values may be edited freely'
complete -c secrets -n "__fish_secrets_using_subcommand encrypt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -l input-type -d 'Format of the input, instead of the one its file name says (unknown names: binary)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -l output-type -d 'Format of the output (default: the input\'s)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -l filename-override -d 'Name to guess formats from, for standard input' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -l output -d 'Write the result to this file instead of standard output' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -l output-dir -d 'Write each decrypted file into this directory, under its own name' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -l extract -d 'Output only the value at this path, e.g. \'["db"]["password"]\' or \'["hosts"][0]\'' -r
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -l decryption-order -d 'Key types to try first, comma-separated (e.g. age,pgp)' -r
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -s i -l in-place -d 'Write the result back to the input file'
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -l force -d 'Write through a symbolic link that leads out of the file\'s directory, or binary data to a terminal'
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -l ignore-mac -d 'Do not verify the MAC (only for files whose content you trust)'
complete -c secrets -n "__fish_secrets_using_subcommand decrypt" -s h -l help -d 'Print help'
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l input-type -d 'Format of the file, instead of guessing it from its name' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand edit" -s a -l age -d 'age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -s p -l pgp -d 'PGP fingerprints, comma-separated (gpg must have their public keys)' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -s k -l kms -d 'AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l gcp-kms -d 'GCP KMS key resource IDs, comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l azure-kv -d 'Azure Key Vault key URLs (https://VAULT/keys/NAME[/VERSION]), comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l hc-vault-transit -d 'Vault transit key URIs (https://HOST:8200/v1/MOUNT/keys/NAME), comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l aws-profile -d 'The AWS profile to use for the KMS keys' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l encryption-context -d 'The encryption context of the KMS keys: key:value pairs, comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l unencrypted-suffix -d 'Keep values under keys ending with this suffix in plaintext [default: _unencrypted]' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l encrypted-suffix -d 'Encrypt only values under keys ending with this suffix' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l unencrypted-regex -d 'Keep values under keys matching this regex in plaintext' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l encrypted-regex -d 'Encrypt only values under keys matching this regex' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l unencrypted-comment-regex -d 'Keep values after a comment matching this regex in plaintext' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l encrypted-comment-regex -d 'Encrypt only values after a comment matching this regex' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l cipher -d 'Cipher of the values of a new file (default: aes256-gcm); a file keeps its own' -r -f -a "aes256-gcm\t'AES256_GCM, the SOPS cipher: sops and secrets read the file (the default)'
xchacha20-poly1305\t'XCHACHA20_POLY1305: only secrets reads the file, sops cannot'"
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l decryption-order -d 'Key types to try first, comma-separated (e.g. age,pgp)' -r
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand edit" -l ignore-mac -d 'Do not verify the MAC (only for files whose content you trust)'
complete -c secrets -n "__fish_secrets_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand set" -l input-type -d 'Format of the file, instead of guessing it from its name' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand set" -l decryption-order -d 'Key types to try first, comma-separated (e.g. age,pgp)' -r
complete -c secrets -n "__fish_secrets_using_subcommand set" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand set" -l ignore-mac -d 'Do not verify the MAC (only for files whose content you trust)'
complete -c secrets -n "__fish_secrets_using_subcommand set" -l value-stdin -d 'Read the value (JSON) from standard input'
complete -c secrets -n "__fish_secrets_using_subcommand set" -l value-file -d 'VALUE is a file to read the value (JSON) from'
complete -c secrets -n "__fish_secrets_using_subcommand set" -l idempotent -d 'Do not write the file when the value is already there'
complete -c secrets -n "__fish_secrets_using_subcommand set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand unset" -l input-type -d 'Format of the file, instead of guessing it from its name' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand unset" -l decryption-order -d 'Key types to try first, comma-separated (e.g. age,pgp)' -r
complete -c secrets -n "__fish_secrets_using_subcommand unset" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand unset" -l ignore-mac -d 'Do not verify the MAC (only for files whose content you trust)'
complete -c secrets -n "__fish_secrets_using_subcommand unset" -l idempotent -d 'Succeed without writing when the path is not in the file'
complete -c secrets -n "__fish_secrets_using_subcommand unset" -s h -l help -d 'Print help'
complete -c secrets -n "__fish_secrets_using_subcommand exec-env" -l input-type -d 'Format of the file, instead of guessing it from its name' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand exec-env" -l decryption-order -d 'Key types to try first, comma-separated (e.g. age,pgp)' -r
complete -c secrets -n "__fish_secrets_using_subcommand exec-env" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand exec-env" -l pristine -d 'Give the command only the file\'s values, not secrets\' own environment'
complete -c secrets -n "__fish_secrets_using_subcommand exec-env" -l same-process -d 'Replace secrets by the command (exec) instead of running it as a child'
complete -c secrets -n "__fish_secrets_using_subcommand exec-env" -l ignore-mac -d 'Do not verify the MAC (only for files whose content you trust)'
complete -c secrets -n "__fish_secrets_using_subcommand exec-env" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand exec-file" -l filename -d 'Name of the plaintext file' -r
complete -c secrets -n "__fish_secrets_using_subcommand exec-file" -l input-type -d 'Format of the file, instead of guessing it from its name' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand exec-file" -l output-type -d 'Format of the plaintext (default: the file\'s)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand exec-file" -l decryption-order -d 'Key types to try first, comma-separated (e.g. age,pgp)' -r
complete -c secrets -n "__fish_secrets_using_subcommand exec-file" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand exec-file" -l no-fifo -d 'Write a regular 0600 file instead of a FIFO (for commands that read it twice)'
complete -c secrets -n "__fish_secrets_using_subcommand exec-file" -l ignore-mac -d 'Do not verify the MAC (only for files whose content you trust)'
complete -c secrets -n "__fish_secrets_using_subcommand exec-file" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l output -d 'Write the result to this file instead of standard output' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l input-type -d 'Format of the input, instead of guessing it from the file name' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l output-type -d 'Format of the output (default: the input\'s)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l add-age -d 'Add these age recipients (comma-separated) to the first key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l rm-age -d 'Remove these age recipients (comma-separated) from every key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l add-pgp -d 'Add these PGP fingerprints (comma-separated) to the first key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l rm-pgp -d 'Remove these PGP fingerprints (comma-separated) from every key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l add-kms -d 'Add these AWS KMS key ARNs (comma-separated, ARN[+ROLE_ARN]) to the first key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l rm-kms -d 'Remove these AWS KMS key ARNs (comma-separated) from every key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l add-gcp-kms -d 'Add these GCP KMS resource IDs (comma-separated) to the first key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l rm-gcp-kms -d 'Remove these GCP KMS resource IDs (comma-separated) from every key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l add-azure-kv -d 'Add these Azure Key Vault key URLs (comma-separated) to the first key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l rm-azure-kv -d 'Remove these Azure Key Vault key URLs (comma-separated) from every key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l add-hc-vault-transit -d 'Add these Vault transit key URIs (comma-separated) to the first key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l rm-hc-vault-transit -d 'Remove these Vault transit key URIs (comma-separated) from every key group' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l aws-profile -d 'The AWS profile to use for the KMS keys' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l encryption-context -d 'The encryption context of the KMS keys: key:value pairs, comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l decryption-order -d 'Key types to try first, comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l all -d 'Rotate every encrypted file under the .sops.yaml directory that a creation rule matches (files .gitignore excludes are skipped); needs --in-place'
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -s i -l in-place -d 'Write the result back to the file'
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -l ignore-mac -d 'Do not verify the MAC (only for files whose content you trust)'
complete -c secrets -n "__fish_secrets_using_subcommand rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand updatekeys" -l input-type -d 'Format of the files, instead of guessing it from their names' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand updatekeys" -l shamir-secret-sharing-threshold -d 'Shares needed with several key groups (default: the rule\'s, else the file\'s)' -r
complete -c secrets -n "__fish_secrets_using_subcommand updatekeys" -l decryption-order -d 'Key types to try first to recover data keys, comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand updatekeys" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand updatekeys" -l all -d 'Update every encrypted file under the config\'s directory that a creation rule matches (files .gitignore excludes are skipped)'
complete -c secrets -n "__fish_secrets_using_subcommand updatekeys" -s y -l yes -d 'Update without asking'
complete -c secrets -n "__fish_secrets_using_subcommand updatekeys" -s h -l help -d 'Print help'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and not __fish_seen_subcommand_from add delete help" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand groups; and not __fish_seen_subcommand_from add delete help" -s h -l help -d 'Print help'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and not __fish_seen_subcommand_from add delete help" -f -a "add" -d 'Add a key group of the given keys'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and not __fish_seen_subcommand_from add delete help" -f -a "delete" -d 'Delete the key group at INDEX (counted from 0, as sops does)'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and not __fish_seen_subcommand_from add delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -s f -l file -d 'The encrypted file' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l shamir-secret-sharing-threshold -d 'How many key groups are needed to recover the data key (default: the file\'s, or all)' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l input-type -d 'Format of the file, instead of guessing it from its name' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l decryption-order -d 'Key types to try first, comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l age -d 'An age recipient of the new group (repeatable, or comma-separated)' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l pgp -d 'A PGP fingerprint of the new group (repeatable, or comma-separated)' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l kms -d 'An AWS KMS key ARN (ARN[+ROLE_ARN]) of the new group (repeatable, or comma-separated)' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l gcp-kms -d 'A GCP KMS resource ID of the new group (repeatable, or comma-separated)' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l azure-kv -d 'An Azure Key Vault key URL of the new group (repeatable, or comma-separated)' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l hc-vault-transit -d 'A Vault transit key URI of the new group (repeatable, or comma-separated)' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l aws-profile -d 'The AWS profile to use for the KMS keys' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l encryption-context -d 'The encryption context of the KMS keys: key:value pairs, comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -s i -l in-place -d 'Write the result back to the file instead of standard output'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from delete" -s f -l file -d 'The encrypted file' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from delete" -l shamir-secret-sharing-threshold -d 'How many key groups are needed to recover the data key (default: the file\'s, or all)' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from delete" -l input-type -d 'Format of the file, instead of guessing it from its name' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from delete" -l decryption-order -d 'Key types to try first, comma-separated' -r
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from delete" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from delete" -s i -l in-place -d 'Write the result back to the file instead of standard output'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a key group of the given keys'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete the key group at INDEX (counted from 0, as sops does)'
complete -c secrets -n "__fish_secrets_using_subcommand groups; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c secrets -n "__fish_secrets_using_subcommand filestatus" -l input-type -d 'Format of the input, instead of the one its file name says (unknown names: binary)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand filestatus" -l output-type -d 'Format of the output (default: the input\'s)' -r -f -a "yaml\t''
json\t''
dotenv\t''
ini\t''
toml\t''
binary\t''"
complete -c secrets -n "__fish_secrets_using_subcommand filestatus" -l filename-override -d 'Name to guess formats from, for standard input' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand filestatus" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand filestatus" -s h -l help -d 'Print help'
complete -c secrets -n "__fish_secrets_using_subcommand keygen" -s o -l output -d 'Add the identity to this file instead' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand keygen" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand check" -l format -d 'How to print problems' -r -f -a "text\t'FILE:LINE: RULE: message, and the fix'
json\t'One JSON object: {"files_checked", "problems": [...], "unverified": [...]}'"
complete -c secrets -n "__fish_secrets_using_subcommand check" -l decryption-order -d 'Key types to try first, comma-separated (e.g. age,pgp)' -r
complete -c secrets -n "__fish_secrets_using_subcommand check" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand check" -l all -d 'Check every file of the work tree (tracked or not ignored), as it is on disk'
complete -c secrets -n "__fish_secrets_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand audit" -l max-age -d 'Report data keys older than this: days, or a number with d (days), w (weeks), y (years)' -r
complete -c secrets -n "__fish_secrets_using_subcommand audit" -l fail-on -d 'Exit 1 when a finding has at least this severity' -r -f -a "note\t'Any finding'
warning\t'Warnings and errors'
error\t'Errors only'
never\t'Never fail'"
complete -c secrets -n "__fish_secrets_using_subcommand audit" -l format -d 'How to print the report' -r -f -a "text\t'Findings with their fixes, then the access map as a table'
json\t'One JSON object: {"summary", "findings": [...], "access": [...]}'
sarif\t'SARIF 2.1.0, for code-scanning services'"
complete -c secrets -n "__fish_secrets_using_subcommand audit" -l decryption-order -d 'Key types to try first, comma-separated (e.g. age,pgp)' -r
complete -c secrets -n "__fish_secrets_using_subcommand audit" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand audit" -l history -d 'Scan every blob of every reachable commit for secrets too'
complete -c secrets -n "__fish_secrets_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand diff" -l decryption-order -d 'Key types to try first, comma-separated (e.g. age,pgp)' -r
complete -c secrets -n "__fish_secrets_using_subcommand diff" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand merge" -l decryption-order -d 'Key types to try first, comma-separated (e.g. age,pgp)' -r
complete -c secrets -n "__fish_secrets_using_subcommand merge" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand git-setup" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand git-setup" -l pre-commit -d 'Also install a git pre-commit hook that runs `secrets check`'
complete -c secrets -n "__fish_secrets_using_subcommand git-setup" -l global -d 'Write the driver config to the global git config (~/.gitconfig) instead of the repository\'s'
complete -c secrets -n "__fish_secrets_using_subcommand git-setup" -l check -d 'Only report what is missing (exit 1 when something is)'
complete -c secrets -n "__fish_secrets_using_subcommand git-setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand completions" -l write-all -d 'Write the scripts of every shell into DIR instead' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand completions" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c secrets -n "__fish_secrets_using_subcommand man" -l dir -d 'Write `secrets.1` and a page per subcommand (`secrets-encrypt.1`, ...) into DIR' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand man" -l config -d 'The .sops.yaml to use, instead of the first one found from the current directory up' -r -F
complete -c secrets -n "__fish_secrets_using_subcommand man" -s h -l help -d 'Print help'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "encrypt" -d 'Encrypt a plaintext file (values only; keys, comments and layout stay)'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "decrypt" -d 'Decrypt a file to standard output (or in place, or to --output); several files to --output-dir or in place, their data keys recovered together'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "edit" -d 'Edit an encrypted file in your editor; only the values you change are re-encrypted'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "set" -d 'Set one value of an encrypted file (only that value\'s line changes, plus mac/lastmodified)'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "unset" -d 'Remove one key or list item from an encrypted file (only its lines change)'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "exec-env" -d 'Run a command with the file\'s values as environment variables'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "exec-file" -d 'Run a command with the decrypted file at a private path, given as {}'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "rotate" -d 'Generate a new data key and encrypt every value again with it'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "updatekeys" -d 'Re-wrap files\' data keys for the recipients .sops.yaml names now (values untouched)'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "groups" -d 'Add or delete key groups (Shamir secret sharing: any N groups recover the data key)'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "filestatus" -d 'Print whether a file is encrypted: {"encrypted":true} or {"encrypted":false}'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "keygen" -d 'Create an age identity, add it to the SOPS key file and print its recipient'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "check" -d 'Check files before they are committed: files a .sops.yaml creation rule covers must be encrypted, encrypted files must be intact, and plaintext must not hold secrets'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "audit" -d 'Audit a git repository for the common mistakes with secret files'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "diff" -d 'Print a file decrypted, for `git diff` and `git log -p` (textconv of the `secrets` diff driver that `secrets git-setup` configures)'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "merge" -d 'Merge three versions of an encrypted file (git merge driver: secrets merge %O %A %B %P)'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "git-setup" -d 'Set up git for encrypted files: .gitattributes lines for the files the creation rules match, and the git config of the `secrets` diff and merge drivers'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "completions" -d 'Print the shell completion script for SHELL, or write all of them (--write-all DIR)'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "man" -d 'Print the manual page (roff), or write one per command into a directory (--dir DIR)'
complete -c secrets -n "__fish_secrets_using_subcommand help; and not __fish_seen_subcommand_from encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c secrets -n "__fish_secrets_using_subcommand help; and __fish_seen_subcommand_from groups" -f -a "add" -d 'Add a key group of the given keys'
complete -c secrets -n "__fish_secrets_using_subcommand help; and __fish_seen_subcommand_from groups" -f -a "delete" -d 'Delete the key group at INDEX (counted from 0, as sops does)'
