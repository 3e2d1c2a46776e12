# bash completion for atsbridge(1): commands, subcommands, options, and
# organisation slugs and connector names read from the store and the plugin
# directory (atsbridge org list --json / plugins list --json), with the
# -c/--db/--plugin-dir already on the command line.

_atsbridge_json_field() { # FIELD: the values of "FIELD": "..." on stdin
    sed -n "s/^ *\"$1\": *\"\\([^\"]*\\)\".*/\\1/p"
}

_atsbridge_words() { # WORDS: those starting with $cur (the caller's)
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

_atsbridge() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        # A --db postgresql://user@host:port/db stays one word.
        _init_completion -n :@ || return
    else
        cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    fi

    local globals="-c --config --db --plugin-dir --no-isolation -v --verbose --version -h --help"
    case $prev in
        -c|--config|--db|--pdf)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --plugin-dir|--resume-dir)
            COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac

    # The command, its arguments, and the global options given so far (so
    # the store and plugin directory looked at are the ones in use).
    local i w cmd="" ctx=() args=()
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
            -c|--config|--db|--plugin-dir) ctx+=("$w" "${words[i+1]}"); ((i++)) ;;
            --config=*|--db=*|--plugin-dir=*) ctx+=("$w") ;;
            -*) ;;
            *) if [ -z "$cmd" ]; then cmd=$w; else args+=("$w"); fi ;;
        esac
    done
    local sub=${args[0]:-}

    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then _atsbridge_words "$globals"; else
            _atsbridge_words "plugins org connect check disconnect sync jobs status audit location candidates outbox daemon resume serve token store help"
        fi
        return
    fi

    local opts="" subs="" want=""   # want: org | connector | file | ""
    local n=${#args[@]}
    case $cmd in
        plugins)   subs="list show test"
                   case $sub in list) opts="--json" ;; show) opts="--json"; [ $n = 1 ] && want=connector ;;
                                test) opts="--set --job --timeout"; [ $n = 1 ] && want=file ;; esac ;;
        org)       subs="add list show set"
                   case $sub in add) opts="--name" ;; list) opts="--json" ;; show) opts="--json" ;;
                                set) opts="--trigger --name --jobs-interval" ;; esac
                   case $sub in show|set) [ $n = 1 ] && want=org ;; esac ;;
        connect)   opts="--set --no-check"
                   case $n in 0) want=org ;; 1) want=connector ;; esac ;;
        check|disconnect|resume|audit|status)
                   case $cmd in audit) opts="--limit --json" ;; status) opts="--json --runs" ;; esac
                   [ $n = 0 ] && want=org ;;
        sync)      subs="jobs candidates"
                   case $sub in jobs) opts="--all --full --wait --page-size --json" ;;
                                candidates) opts="--all --wait --json" ;; esac
                   [ -n "$sub" ] && [ $n = 1 ] && want=org ;;
        jobs)      subs="list show activate deactivate"
                   case $sub in list) opts="--state --json" ;; show) opts="--json" ;; esac
                   [ -n "$sub" ] && [ $n = 1 ] && want=org
                   [ "$prev" = --state ] && { _atsbridge_words "disabled active archived"; return; } ;;
        candidates) subs="import set-status list show"
                   case $sub in import) opts="--resume-dir"; [ $n = 1 ] && want=file ;;
                                list) opts="--json" ;; show) opts="--json --pdf" ;; esac
                   case $sub in set-status|list|show) [ $n = 1 ] && want=org ;; esac ;;
        outbox)    subs="list retry"
                   case $sub in list) opts="--dead --json"; [ $n = 1 ] && want=org ;; esac ;;
        location)  subs="explain"; [ "$sub" = explain ] && opts="--country --region --city --json" ;;
        daemon)    opts="--once --tick" ;;
        serve)     opts="--listen" ;;
        token)     subs="create list revoke"
                   case $sub in create) opts="--org --read-only" ;; list) opts="--json" ;; esac
                   [ "$prev" = --org ] && want=org ;;
        store)     subs="check migrate copy"
                   [ "$sub" = copy ] && want=file ;;
        help)      return ;;
    esac
    if [ "$cmd" = org ] && [ "$prev" = --trigger ]; then
        _atsbridge_words "new contacted responded screening engaged qualified interviewing offered hired"; return
    fi

    if [[ $cur == -* ]]; then
        _atsbridge_words "$opts --help $globals"
    elif [ -n "$subs" ] && [ -z "$sub" ]; then
        _atsbridge_words "$subs"
    else
        case $want in
            org) _atsbridge_words "$(atsbridge "${ctx[@]}" org list --json 2>/dev/null |
                                      _atsbridge_json_field org)" ;;
            connector) _atsbridge_words "$(atsbridge "${ctx[@]}" plugins list --json 2>/dev/null |
                                            _atsbridge_json_field name)" ;;
            file) COMPREPLY=($(compgen -f -- "$cur")) ;;
        esac
    fi
}
complete -F _atsbridge atsbridge
