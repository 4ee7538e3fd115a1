
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'secrets' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'secrets'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'secrets' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt a plaintext file (values only; keys, comments and layout stay)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt a file to standard output (or in place, or to --output); several files to --output-dir or in place, their data keys recovered together')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an encrypted file in your editor; only the values you change are re-encrypted')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set one value of an encrypted file (only that value''s line changes, plus mac/lastmodified)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove one key or list item from an encrypted file (only its lines change)')
            [CompletionResult]::new('exec-env', 'exec-env', [CompletionResultType]::ParameterValue, 'Run a command with the file''s values as environment variables')
            [CompletionResult]::new('exec-file', 'exec-file', [CompletionResultType]::ParameterValue, 'Run a command with the decrypted file at a private path, given as {}')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Generate a new data key and encrypt every value again with it')
            [CompletionResult]::new('updatekeys', 'updatekeys', [CompletionResultType]::ParameterValue, 'Re-wrap files'' data keys for the recipients .sops.yaml names now (values untouched)')
            [CompletionResult]::new('groups', 'groups', [CompletionResultType]::ParameterValue, 'Add or delete key groups (Shamir secret sharing: any N groups recover the data key)')
            [CompletionResult]::new('filestatus', 'filestatus', [CompletionResultType]::ParameterValue, 'Print whether a file is encrypted: {"encrypted":true} or {"encrypted":false}')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Create an age identity, add it to the SOPS key file and print its recipient')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check files before they are committed: files a .sops.yaml creation rule covers must be encrypted, encrypted files must be intact, and plaintext must not hold secrets')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Audit a git repository for the common mistakes with secret files')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Print a file decrypted, for `git diff` and `git log -p` (textconv of the `secrets` diff driver that `secrets git-setup` configures)')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge three versions of an encrypted file (git merge driver: secrets merge %O %A %B %P)')
            [CompletionResult]::new('git-setup', 'git-setup', [CompletionResultType]::ParameterValue, 'Set up git for encrypted files: .gitattributes lines for the files the creation rules match, and the git config of the `secrets` diff and merge drivers')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL, or write all of them (--write-all DIR)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff), or write one per command into a directory (--dir DIR)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'secrets;encrypt' {
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the input, instead of the one its file name says (unknown names: binary)')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Format of the output (default: the input''s)')
            [CompletionResult]::new('--filename-override', '--filename-override', [CompletionResultType]::ParameterName, 'Name to guess formats from, for standard input')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to this file instead of standard output')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients')
            [CompletionResult]::new('--age', '--age', [CompletionResultType]::ParameterName, 'age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'PGP fingerprints, comma-separated (gpg must have their public keys)')
            [CompletionResult]::new('--pgp', '--pgp', [CompletionResultType]::ParameterName, 'PGP fingerprints, comma-separated (gpg must have their public keys)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role')
            [CompletionResult]::new('--kms', '--kms', [CompletionResultType]::ParameterName, 'AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role')
            [CompletionResult]::new('--gcp-kms', '--gcp-kms', [CompletionResultType]::ParameterName, 'GCP KMS key resource IDs, comma-separated')
            [CompletionResult]::new('--azure-kv', '--azure-kv', [CompletionResultType]::ParameterName, 'Azure Key Vault key URLs (https://VAULT/keys/NAME[/VERSION]), comma-separated')
            [CompletionResult]::new('--hc-vault-transit', '--hc-vault-transit', [CompletionResultType]::ParameterName, 'Vault transit key URIs (https://HOST:8200/v1/MOUNT/keys/NAME), comma-separated')
            [CompletionResult]::new('--aws-profile', '--aws-profile', [CompletionResultType]::ParameterName, 'The AWS profile to use for the KMS keys')
            [CompletionResult]::new('--encryption-context', '--encryption-context', [CompletionResultType]::ParameterName, 'The encryption context of the KMS keys: key:value pairs, comma-separated')
            [CompletionResult]::new('--shamir-secret-sharing-threshold', '--shamir-secret-sharing-threshold', [CompletionResultType]::ParameterName, 'With several key groups, how many must be decrypted to recover the data key')
            [CompletionResult]::new('--unencrypted-suffix', '--unencrypted-suffix', [CompletionResultType]::ParameterName, 'Keep values under keys ending with this suffix in plaintext [default: _unencrypted]')
            [CompletionResult]::new('--encrypted-suffix', '--encrypted-suffix', [CompletionResultType]::ParameterName, 'Encrypt only values under keys ending with this suffix')
            [CompletionResult]::new('--unencrypted-regex', '--unencrypted-regex', [CompletionResultType]::ParameterName, 'Keep values under keys matching this regex in plaintext')
            [CompletionResult]::new('--encrypted-regex', '--encrypted-regex', [CompletionResultType]::ParameterName, 'Encrypt only values under keys matching this regex')
            [CompletionResult]::new('--unencrypted-comment-regex', '--unencrypted-comment-regex', [CompletionResultType]::ParameterName, 'Keep values after a comment matching this regex in plaintext')
            [CompletionResult]::new('--encrypted-comment-regex', '--encrypted-comment-regex', [CompletionResultType]::ParameterName, 'Encrypt only values after a comment matching this regex')
            [CompletionResult]::new('--cipher', '--cipher', [CompletionResultType]::ParameterName, 'Cipher of the values (default: aes256-gcm; a reused destination keeps its own)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Write the result back to the input file')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Write the result back to the input file')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write through a symbolic link that leads out of the file''s directory, or binary data to a terminal')
            [CompletionResult]::new('--mac-only-encrypted', '--mac-only-encrypted', [CompletionResultType]::ParameterName, 'Compute the MAC over encrypted values only, so plaintext values may be edited freely')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;decrypt' {
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the input, instead of the one its file name says (unknown names: binary)')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Format of the output (default: the input''s)')
            [CompletionResult]::new('--filename-override', '--filename-override', [CompletionResultType]::ParameterName, 'Name to guess formats from, for standard input')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to this file instead of standard output')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Write each decrypted file into this directory, under its own name')
            [CompletionResult]::new('--extract', '--extract', [CompletionResultType]::ParameterName, 'Output only the value at this path, e.g. ''["db"]["password"]'' or ''["hosts"][0]''')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated (e.g. age,pgp)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Write the result back to the input file')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Write the result back to the input file')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Write through a symbolic link that leads out of the file''s directory, or binary data to a terminal')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Do not verify the MAC (only for files whose content you trust)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'secrets;edit' {
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the file, instead of guessing it from its name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients')
            [CompletionResult]::new('--age', '--age', [CompletionResultType]::ParameterName, 'age recipients, comma-separated: age1…, ssh-ed25519 …, ssh-rsa …, plugin recipients')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'PGP fingerprints, comma-separated (gpg must have their public keys)')
            [CompletionResult]::new('--pgp', '--pgp', [CompletionResultType]::ParameterName, 'PGP fingerprints, comma-separated (gpg must have their public keys)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role')
            [CompletionResult]::new('--kms', '--kms', [CompletionResultType]::ParameterName, 'AWS KMS key ARNs, comma-separated; ARN+ROLE_ARN uses that role')
            [CompletionResult]::new('--gcp-kms', '--gcp-kms', [CompletionResultType]::ParameterName, 'GCP KMS key resource IDs, comma-separated')
            [CompletionResult]::new('--azure-kv', '--azure-kv', [CompletionResultType]::ParameterName, 'Azure Key Vault key URLs (https://VAULT/keys/NAME[/VERSION]), comma-separated')
            [CompletionResult]::new('--hc-vault-transit', '--hc-vault-transit', [CompletionResultType]::ParameterName, 'Vault transit key URIs (https://HOST:8200/v1/MOUNT/keys/NAME), comma-separated')
            [CompletionResult]::new('--aws-profile', '--aws-profile', [CompletionResultType]::ParameterName, 'The AWS profile to use for the KMS keys')
            [CompletionResult]::new('--encryption-context', '--encryption-context', [CompletionResultType]::ParameterName, 'The encryption context of the KMS keys: key:value pairs, comma-separated')
            [CompletionResult]::new('--unencrypted-suffix', '--unencrypted-suffix', [CompletionResultType]::ParameterName, 'Keep values under keys ending with this suffix in plaintext [default: _unencrypted]')
            [CompletionResult]::new('--encrypted-suffix', '--encrypted-suffix', [CompletionResultType]::ParameterName, 'Encrypt only values under keys ending with this suffix')
            [CompletionResult]::new('--unencrypted-regex', '--unencrypted-regex', [CompletionResultType]::ParameterName, 'Keep values under keys matching this regex in plaintext')
            [CompletionResult]::new('--encrypted-regex', '--encrypted-regex', [CompletionResultType]::ParameterName, 'Encrypt only values under keys matching this regex')
            [CompletionResult]::new('--unencrypted-comment-regex', '--unencrypted-comment-regex', [CompletionResultType]::ParameterName, 'Keep values after a comment matching this regex in plaintext')
            [CompletionResult]::new('--encrypted-comment-regex', '--encrypted-comment-regex', [CompletionResultType]::ParameterName, 'Encrypt only values after a comment matching this regex')
            [CompletionResult]::new('--cipher', '--cipher', [CompletionResultType]::ParameterName, 'Cipher of the values of a new file (default: aes256-gcm); a file keeps its own')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated (e.g. age,pgp)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Do not verify the MAC (only for files whose content you trust)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;set' {
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the file, instead of guessing it from its name')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated (e.g. age,pgp)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Do not verify the MAC (only for files whose content you trust)')
            [CompletionResult]::new('--value-stdin', '--value-stdin', [CompletionResultType]::ParameterName, 'Read the value (JSON) from standard input')
            [CompletionResult]::new('--value-file', '--value-file', [CompletionResultType]::ParameterName, 'VALUE is a file to read the value (JSON) from')
            [CompletionResult]::new('--idempotent', '--idempotent', [CompletionResultType]::ParameterName, 'Do not write the file when the value is already there')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;unset' {
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the file, instead of guessing it from its name')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated (e.g. age,pgp)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Do not verify the MAC (only for files whose content you trust)')
            [CompletionResult]::new('--idempotent', '--idempotent', [CompletionResultType]::ParameterName, 'Succeed without writing when the path is not in the file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'secrets;exec-env' {
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the file, instead of guessing it from its name')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated (e.g. age,pgp)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('--pristine', '--pristine', [CompletionResultType]::ParameterName, 'Give the command only the file''s values, not secrets'' own environment')
            [CompletionResult]::new('--same-process', '--same-process', [CompletionResultType]::ParameterName, 'Replace secrets by the command (exec) instead of running it as a child')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Do not verify the MAC (only for files whose content you trust)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;exec-file' {
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Name of the plaintext file')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the file, instead of guessing it from its name')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Format of the plaintext (default: the file''s)')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated (e.g. age,pgp)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('--no-fifo', '--no-fifo', [CompletionResultType]::ParameterName, 'Write a regular 0600 file instead of a FIFO (for commands that read it twice)')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Do not verify the MAC (only for files whose content you trust)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;rotate' {
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to this file instead of standard output')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the input, instead of guessing it from the file name')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Format of the output (default: the input''s)')
            [CompletionResult]::new('--add-age', '--add-age', [CompletionResultType]::ParameterName, 'Add these age recipients (comma-separated) to the first key group')
            [CompletionResult]::new('--rm-age', '--rm-age', [CompletionResultType]::ParameterName, 'Remove these age recipients (comma-separated) from every key group')
            [CompletionResult]::new('--add-pgp', '--add-pgp', [CompletionResultType]::ParameterName, 'Add these PGP fingerprints (comma-separated) to the first key group')
            [CompletionResult]::new('--rm-pgp', '--rm-pgp', [CompletionResultType]::ParameterName, 'Remove these PGP fingerprints (comma-separated) from every key group')
            [CompletionResult]::new('--add-kms', '--add-kms', [CompletionResultType]::ParameterName, 'Add these AWS KMS key ARNs (comma-separated, ARN[+ROLE_ARN]) to the first key group')
            [CompletionResult]::new('--rm-kms', '--rm-kms', [CompletionResultType]::ParameterName, 'Remove these AWS KMS key ARNs (comma-separated) from every key group')
            [CompletionResult]::new('--add-gcp-kms', '--add-gcp-kms', [CompletionResultType]::ParameterName, 'Add these GCP KMS resource IDs (comma-separated) to the first key group')
            [CompletionResult]::new('--rm-gcp-kms', '--rm-gcp-kms', [CompletionResultType]::ParameterName, 'Remove these GCP KMS resource IDs (comma-separated) from every key group')
            [CompletionResult]::new('--add-azure-kv', '--add-azure-kv', [CompletionResultType]::ParameterName, 'Add these Azure Key Vault key URLs (comma-separated) to the first key group')
            [CompletionResult]::new('--rm-azure-kv', '--rm-azure-kv', [CompletionResultType]::ParameterName, 'Remove these Azure Key Vault key URLs (comma-separated) from every key group')
            [CompletionResult]::new('--add-hc-vault-transit', '--add-hc-vault-transit', [CompletionResultType]::ParameterName, 'Add these Vault transit key URIs (comma-separated) to the first key group')
            [CompletionResult]::new('--rm-hc-vault-transit', '--rm-hc-vault-transit', [CompletionResultType]::ParameterName, 'Remove these Vault transit key URIs (comma-separated) from every key group')
            [CompletionResult]::new('--aws-profile', '--aws-profile', [CompletionResultType]::ParameterName, 'The AWS profile to use for the KMS keys')
            [CompletionResult]::new('--encryption-context', '--encryption-context', [CompletionResultType]::ParameterName, 'The encryption context of the KMS keys: key:value pairs, comma-separated')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Rotate every encrypted file under the .sops.yaml directory that a creation rule matches (files .gitignore excludes are skipped); needs --in-place')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Write the result back to the file')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Write the result back to the file')
            [CompletionResult]::new('--ignore-mac', '--ignore-mac', [CompletionResultType]::ParameterName, 'Do not verify the MAC (only for files whose content you trust)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;updatekeys' {
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the files, instead of guessing it from their names')
            [CompletionResult]::new('--shamir-secret-sharing-threshold', '--shamir-secret-sharing-threshold', [CompletionResultType]::ParameterName, 'Shares needed with several key groups (default: the rule''s, else the file''s)')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first to recover data keys, comma-separated')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Update every encrypted file under the config''s directory that a creation rule matches (files .gitignore excludes are skipped)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Update without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Update without asking')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'secrets;groups' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a key group of the given keys')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete the key group at INDEX (counted from 0, as sops does)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'secrets;groups;add' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The encrypted file')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The encrypted file')
            [CompletionResult]::new('--shamir-secret-sharing-threshold', '--shamir-secret-sharing-threshold', [CompletionResultType]::ParameterName, 'How many key groups are needed to recover the data key (default: the file''s, or all)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the file, instead of guessing it from its name')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated')
            [CompletionResult]::new('--age', '--age', [CompletionResultType]::ParameterName, 'An age recipient of the new group (repeatable, or comma-separated)')
            [CompletionResult]::new('--pgp', '--pgp', [CompletionResultType]::ParameterName, 'A PGP fingerprint of the new group (repeatable, or comma-separated)')
            [CompletionResult]::new('--kms', '--kms', [CompletionResultType]::ParameterName, 'An AWS KMS key ARN (ARN[+ROLE_ARN]) of the new group (repeatable, or comma-separated)')
            [CompletionResult]::new('--gcp-kms', '--gcp-kms', [CompletionResultType]::ParameterName, 'A GCP KMS resource ID of the new group (repeatable, or comma-separated)')
            [CompletionResult]::new('--azure-kv', '--azure-kv', [CompletionResultType]::ParameterName, 'An Azure Key Vault key URL of the new group (repeatable, or comma-separated)')
            [CompletionResult]::new('--hc-vault-transit', '--hc-vault-transit', [CompletionResultType]::ParameterName, 'A Vault transit key URI of the new group (repeatable, or comma-separated)')
            [CompletionResult]::new('--aws-profile', '--aws-profile', [CompletionResultType]::ParameterName, 'The AWS profile to use for the KMS keys')
            [CompletionResult]::new('--encryption-context', '--encryption-context', [CompletionResultType]::ParameterName, 'The encryption context of the KMS keys: key:value pairs, comma-separated')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Write the result back to the file instead of standard output')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Write the result back to the file instead of standard output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'secrets;groups;delete' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The encrypted file')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The encrypted file')
            [CompletionResult]::new('--shamir-secret-sharing-threshold', '--shamir-secret-sharing-threshold', [CompletionResultType]::ParameterName, 'How many key groups are needed to recover the data key (default: the file''s, or all)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the file, instead of guessing it from its name')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Write the result back to the file instead of standard output')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Write the result back to the file instead of standard output')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'secrets;groups;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a key group of the given keys')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete the key group at INDEX (counted from 0, as sops does)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'secrets;groups;help;add' {
            break
        }
        'secrets;groups;help;delete' {
            break
        }
        'secrets;groups;help;help' {
            break
        }
        'secrets;filestatus' {
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'Format of the input, instead of the one its file name says (unknown names: binary)')
            [CompletionResult]::new('--output-type', '--output-type', [CompletionResultType]::ParameterName, 'Format of the output (default: the input''s)')
            [CompletionResult]::new('--filename-override', '--filename-override', [CompletionResultType]::ParameterName, 'Name to guess formats from, for standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'secrets;keygen' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Add the identity to this file instead')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Add the identity to this file instead')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;check' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print problems')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated (e.g. age,pgp)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Check every file of the work tree (tracked or not ignored), as it is on disk')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;audit' {
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Report data keys older than this: days, or a number with d (days), w (weeks), y (years)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding has at least this severity')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to print the report')
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated (e.g. age,pgp)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('--history', '--history', [CompletionResultType]::ParameterName, 'Scan every blob of every reachable commit for secrets too')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;diff' {
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated (e.g. age,pgp)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;merge' {
            [CompletionResult]::new('--decryption-order', '--decryption-order', [CompletionResultType]::ParameterName, 'Key types to try first, comma-separated (e.g. age,pgp)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;git-setup' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('--pre-commit', '--pre-commit', [CompletionResultType]::ParameterName, 'Also install a git pre-commit hook that runs `secrets check`')
            [CompletionResult]::new('--global', '--global', [CompletionResultType]::ParameterName, 'Write the driver config to the global git config (~/.gitconfig) instead of the repository''s')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Only report what is missing (exit 1 when something is)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;completions' {
            [CompletionResult]::new('--write-all', '--write-all', [CompletionResultType]::ParameterName, 'Write the scripts of every shell into DIR instead')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'secrets;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write `secrets.1` and a page per subcommand (`secrets-encrypt.1`, ...) into DIR')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The .sops.yaml to use, instead of the first one found from the current directory up')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'secrets;help' {
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt a plaintext file (values only; keys, comments and layout stay)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt a file to standard output (or in place, or to --output); several files to --output-dir or in place, their data keys recovered together')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an encrypted file in your editor; only the values you change are re-encrypted')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set one value of an encrypted file (only that value''s line changes, plus mac/lastmodified)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Remove one key or list item from an encrypted file (only its lines change)')
            [CompletionResult]::new('exec-env', 'exec-env', [CompletionResultType]::ParameterValue, 'Run a command with the file''s values as environment variables')
            [CompletionResult]::new('exec-file', 'exec-file', [CompletionResultType]::ParameterValue, 'Run a command with the decrypted file at a private path, given as {}')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Generate a new data key and encrypt every value again with it')
            [CompletionResult]::new('updatekeys', 'updatekeys', [CompletionResultType]::ParameterValue, 'Re-wrap files'' data keys for the recipients .sops.yaml names now (values untouched)')
            [CompletionResult]::new('groups', 'groups', [CompletionResultType]::ParameterValue, 'Add or delete key groups (Shamir secret sharing: any N groups recover the data key)')
            [CompletionResult]::new('filestatus', 'filestatus', [CompletionResultType]::ParameterValue, 'Print whether a file is encrypted: {"encrypted":true} or {"encrypted":false}')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Create an age identity, add it to the SOPS key file and print its recipient')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check files before they are committed: files a .sops.yaml creation rule covers must be encrypted, encrypted files must be intact, and plaintext must not hold secrets')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Audit a git repository for the common mistakes with secret files')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Print a file decrypted, for `git diff` and `git log -p` (textconv of the `secrets` diff driver that `secrets git-setup` configures)')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge three versions of an encrypted file (git merge driver: secrets merge %O %A %B %P)')
            [CompletionResult]::new('git-setup', 'git-setup', [CompletionResultType]::ParameterValue, 'Set up git for encrypted files: .gitattributes lines for the files the creation rules match, and the git config of the `secrets` diff and merge drivers')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL, or write all of them (--write-all DIR)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the manual page (roff), or write one per command into a directory (--dir DIR)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'secrets;help;encrypt' {
            break
        }
        'secrets;help;decrypt' {
            break
        }
        'secrets;help;edit' {
            break
        }
        'secrets;help;set' {
            break
        }
        'secrets;help;unset' {
            break
        }
        'secrets;help;exec-env' {
            break
        }
        'secrets;help;exec-file' {
            break
        }
        'secrets;help;rotate' {
            break
        }
        'secrets;help;updatekeys' {
            break
        }
        'secrets;help;groups' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a key group of the given keys')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete the key group at INDEX (counted from 0, as sops does)')
            break
        }
        'secrets;help;groups;add' {
            break
        }
        'secrets;help;groups;delete' {
            break
        }
        'secrets;help;filestatus' {
            break
        }
        'secrets;help;keygen' {
            break
        }
        'secrets;help;check' {
            break
        }
        'secrets;help;audit' {
            break
        }
        'secrets;help;diff' {
            break
        }
        'secrets;help;merge' {
            break
        }
        'secrets;help;git-setup' {
            break
        }
        'secrets;help;completions' {
            break
        }
        'secrets;help;man' {
            break
        }
        'secrets;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
