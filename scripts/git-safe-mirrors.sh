# Sourced by the scripts before they build.
#
# Swift packages may come from read-only mirrors owned by another user (root), and git refuses to read a repository
# another user owns unless its "global" configuration says it is safe. For this process only, point git at a
# temporary global configuration that includes the user's own and adds that exception; ~/.gitconfig is untouched.
if [ "$(id -u)" -ne 0 ]; then
    rehabcount_gitconfig=$(mktemp)
    {
        [ -n "${GIT_CONFIG_GLOBAL:-}" ] && printf '[include]\n\tpath = %s\n' "$GIT_CONFIG_GLOBAL"
        [ -z "${GIT_CONFIG_GLOBAL:-}" ] && [ -f "$HOME/.gitconfig" ] && printf '[include]\n\tpath = %s\n' "$HOME/.gitconfig"
        printf '[safe]\n\tdirectory = *\n'
    } > "$rehabcount_gitconfig"
    export GIT_CONFIG_GLOBAL="$rehabcount_gitconfig"
fi
