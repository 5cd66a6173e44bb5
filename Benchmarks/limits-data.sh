# limits-data.sh — sourced by limits.sh and ab-validate.sh: the 1M-row referrals files both measure.
#
#   limits_data BIN DATA    makes DATA/2 and DATA/30 with BIN's `sample` unless they are complete already:
#                           1M referrals (seed 7) at the default defect rate and at --defect-rate 0.75.
limits_data() {
    local bin=$1 data=$2 rate dir defects
    for rate in 2 30; do
        dir="$data/$rate"
        [ -f "$dir/.complete" ] && continue
        rm -rf "$dir" && mkdir -p "$dir"
        defects=$([ "$rate" = 30 ] && echo "--defect-rate 0.75" || true)
        # shellcheck disable=SC2086
        "$bin" sample --out "$dir" --period 2025-09 --trusts 1 --seed 7 --referrals-per-trust 1000000 \
            --contacts-per-referral 0 $defects >/dev/null
        rm -f "$dir"/*_contacts_*.csv "$dir"/*_workforce_*.csv
        touch "$dir/.complete"
    done
}
