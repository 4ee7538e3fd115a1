_secrets() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="secrets"
                ;;
            secrets,audit)
                cmd="secrets__subcmd__audit"
                ;;
            secrets,check)
                cmd="secrets__subcmd__check"
                ;;
            secrets,completions)
                cmd="secrets__subcmd__completions"
                ;;
            secrets,decrypt)
                cmd="secrets__subcmd__decrypt"
                ;;
            secrets,diff)
                cmd="secrets__subcmd__diff"
                ;;
            secrets,edit)
                cmd="secrets__subcmd__edit"
                ;;
            secrets,encrypt)
                cmd="secrets__subcmd__encrypt"
                ;;
            secrets,exec-env)
                cmd="secrets__subcmd__exec__subcmd__env"
                ;;
            secrets,exec-file)
                cmd="secrets__subcmd__exec__subcmd__file"
                ;;
            secrets,filestatus)
                cmd="secrets__subcmd__filestatus"
                ;;
            secrets,git-setup)
                cmd="secrets__subcmd__git__subcmd__setup"
                ;;
            secrets,groups)
                cmd="secrets__subcmd__groups"
                ;;
            secrets,help)
                cmd="secrets__subcmd__help"
                ;;
            secrets,keygen)
                cmd="secrets__subcmd__keygen"
                ;;
            secrets,man)
                cmd="secrets__subcmd__man"
                ;;
            secrets,merge)
                cmd="secrets__subcmd__merge"
                ;;
            secrets,rotate)
                cmd="secrets__subcmd__rotate"
                ;;
            secrets,set)
                cmd="secrets__subcmd__set"
                ;;
            secrets,unset)
                cmd="secrets__subcmd__unset"
                ;;
            secrets,updatekeys)
                cmd="secrets__subcmd__updatekeys"
                ;;
            secrets__subcmd__groups,add)
                cmd="secrets__subcmd__groups__subcmd__add"
                ;;
            secrets__subcmd__groups,delete)
                cmd="secrets__subcmd__groups__subcmd__delete"
                ;;
            secrets__subcmd__groups,help)
                cmd="secrets__subcmd__groups__subcmd__help"
                ;;
            secrets__subcmd__groups__subcmd__help,add)
                cmd="secrets__subcmd__groups__subcmd__help__subcmd__add"
                ;;
            secrets__subcmd__groups__subcmd__help,delete)
                cmd="secrets__subcmd__groups__subcmd__help__subcmd__delete"
                ;;
            secrets__subcmd__groups__subcmd__help,help)
                cmd="secrets__subcmd__groups__subcmd__help__subcmd__help"
                ;;
            secrets__subcmd__help,audit)
                cmd="secrets__subcmd__help__subcmd__audit"
                ;;
            secrets__subcmd__help,check)
                cmd="secrets__subcmd__help__subcmd__check"
                ;;
            secrets__subcmd__help,completions)
                cmd="secrets__subcmd__help__subcmd__completions"
                ;;
            secrets__subcmd__help,decrypt)
                cmd="secrets__subcmd__help__subcmd__decrypt"
                ;;
            secrets__subcmd__help,diff)
                cmd="secrets__subcmd__help__subcmd__diff"
                ;;
            secrets__subcmd__help,edit)
                cmd="secrets__subcmd__help__subcmd__edit"
                ;;
            secrets__subcmd__help,encrypt)
                cmd="secrets__subcmd__help__subcmd__encrypt"
                ;;
            secrets__subcmd__help,exec-env)
                cmd="secrets__subcmd__help__subcmd__exec__subcmd__env"
                ;;
            secrets__subcmd__help,exec-file)
                cmd="secrets__subcmd__help__subcmd__exec__subcmd__file"
                ;;
            secrets__subcmd__help,filestatus)
                cmd="secrets__subcmd__help__subcmd__filestatus"
                ;;
            secrets__subcmd__help,git-setup)
                cmd="secrets__subcmd__help__subcmd__git__subcmd__setup"
                ;;
            secrets__subcmd__help,groups)
                cmd="secrets__subcmd__help__subcmd__groups"
                ;;
            secrets__subcmd__help,help)
                cmd="secrets__subcmd__help__subcmd__help"
                ;;
            secrets__subcmd__help,keygen)
                cmd="secrets__subcmd__help__subcmd__keygen"
                ;;
            secrets__subcmd__help,man)
                cmd="secrets__subcmd__help__subcmd__man"
                ;;
            secrets__subcmd__help,merge)
                cmd="secrets__subcmd__help__subcmd__merge"
                ;;
            secrets__subcmd__help,rotate)
                cmd="secrets__subcmd__help__subcmd__rotate"
                ;;
            secrets__subcmd__help,set)
                cmd="secrets__subcmd__help__subcmd__set"
                ;;
            secrets__subcmd__help,unset)
                cmd="secrets__subcmd__help__subcmd__unset"
                ;;
            secrets__subcmd__help,updatekeys)
                cmd="secrets__subcmd__help__subcmd__updatekeys"
                ;;
            secrets__subcmd__help__subcmd__groups,add)
                cmd="secrets__subcmd__help__subcmd__groups__subcmd__add"
                ;;
            secrets__subcmd__help__subcmd__groups,delete)
                cmd="secrets__subcmd__help__subcmd__groups__subcmd__delete"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        secrets)
            opts="-h -V --config --help --version encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__audit)
            opts="-h --history --max-age --fail-on --format --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --max-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --fail-on)
                    COMPREPLY=($(compgen -W "note warning error never" -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text json sarif" -- "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__check)
            opts="-h --all --format --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --format)
                    COMPREPLY=($(compgen -W "text json" -- "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__completions)
            opts="-h --write-all --config --help bash elvish fish powershell zsh"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --write-all)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__decrypt)
            opts="-i -h --input-type --output-type --filename-override --in-place --output --force --output-dir --extract --ignore-mac --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --output-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --filename-override)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --output-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --extract)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__diff)
            opts="-h --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__edit)
            opts="-a -p -k -h --input-type --age --pgp --kms --gcp-kms --azure-kv --hc-vault-transit --aws-profile --encryption-context --unencrypted-suffix --encrypted-suffix --unencrypted-regex --encrypted-regex --unencrypted-comment-regex --encrypted-comment-regex --cipher --ignore-mac --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -a)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pgp)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -p)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kms)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -k)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gcp-kms)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --azure-kv)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hc-vault-transit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --aws-profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --encryption-context)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --unencrypted-suffix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --encrypted-suffix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --unencrypted-regex)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --encrypted-regex)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --unencrypted-comment-regex)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --encrypted-comment-regex)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cipher)
                    COMPREPLY=($(compgen -W "aes256-gcm xchacha20-poly1305" -- "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__encrypt)
            opts="-i -a -p -k -h --input-type --output-type --filename-override --in-place --output --force --age --pgp --kms --gcp-kms --azure-kv --hc-vault-transit --aws-profile --encryption-context --shamir-secret-sharing-threshold --unencrypted-suffix --encrypted-suffix --unencrypted-regex --encrypted-regex --unencrypted-comment-regex --encrypted-comment-regex --mac-only-encrypted --cipher --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --output-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --filename-override)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -a)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pgp)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -p)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kms)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -k)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gcp-kms)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --azure-kv)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hc-vault-transit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --aws-profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --encryption-context)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --shamir-secret-sharing-threshold)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --unencrypted-suffix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --encrypted-suffix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --unencrypted-regex)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --encrypted-regex)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --unencrypted-comment-regex)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --encrypted-comment-regex)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cipher)
                    COMPREPLY=($(compgen -W "aes256-gcm xchacha20-poly1305" -- "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__exec__subcmd__env)
            opts="-h --pristine --same-process --input-type --ignore-mac --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__exec__subcmd__file)
            opts="-h --no-fifo --filename --input-type --output-type --ignore-mac --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --filename)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --output-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__filestatus)
            opts="-h --input-type --output-type --filename-override --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --output-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --filename-override)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__git__subcmd__setup)
            opts="-h --pre-commit --global --check --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__groups)
            opts="-h --config --help add delete help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__groups__subcmd__add)
            opts="-f -i -h --file --in-place --shamir-secret-sharing-threshold --input-type --decryption-order --age --pgp --kms --gcp-kms --azure-kv --hc-vault-transit --aws-profile --encryption-context --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -f)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --shamir-secret-sharing-threshold)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pgp)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kms)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gcp-kms)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --azure-kv)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hc-vault-transit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --aws-profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --encryption-context)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__groups__subcmd__delete)
            opts="-f -i -h --file --in-place --shamir-secret-sharing-threshold --input-type --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -f)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --shamir-secret-sharing-threshold)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__groups__subcmd__help)
            opts="add delete help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__groups__subcmd__help__subcmd__add)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__groups__subcmd__help__subcmd__delete)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__groups__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help)
            opts="encrypt decrypt edit set unset exec-env exec-file rotate updatekeys groups filestatus keygen check audit diff merge git-setup completions man help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__audit)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__check)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__completions)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__decrypt)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__diff)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__edit)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__encrypt)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__exec__subcmd__env)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__exec__subcmd__file)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__filestatus)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__git__subcmd__setup)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__groups)
            opts="add delete"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__groups__subcmd__add)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__groups__subcmd__delete)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__keygen)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__man)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__merge)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__rotate)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__set)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__unset)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__help__subcmd__updatekeys)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__keygen)
            opts="-o -h --output --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__man)
            opts="-h --dir --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__merge)
            opts="-h --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__rotate)
            opts="-i -h --all --in-place --output --input-type --output-type --add-age --rm-age --add-pgp --rm-pgp --add-kms --rm-kms --add-gcp-kms --rm-gcp-kms --add-azure-kv --rm-azure-kv --add-hc-vault-transit --rm-hc-vault-transit --aws-profile --encryption-context --ignore-mac --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --output-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --add-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --rm-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --add-pgp)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --rm-pgp)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --add-kms)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --rm-kms)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --add-gcp-kms)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --rm-gcp-kms)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --add-azure-kv)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --rm-azure-kv)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --add-hc-vault-transit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --rm-hc-vault-transit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --aws-profile)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --encryption-context)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__set)
            opts="-h --input-type --ignore-mac --decryption-order --value-stdin --value-file --idempotent --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__unset)
            opts="-h --input-type --ignore-mac --decryption-order --idempotent --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        secrets__subcmd__updatekeys)
            opts="-y -h --all --yes --input-type --shamir-secret-sharing-threshold --decryption-order --config --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --input-type)
                    COMPREPLY=($(compgen -W "yaml json dotenv ini toml binary" -- "${cur}"))
                    return 0
                    ;;
                --shamir-secret-sharing-threshold)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --decryption-order)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _secrets -o nosort -o bashdefault -o default secrets
else
    complete -F _secrets -o bashdefault -o default secrets
fi
