#!/bin/bash
# Throws malformed and extreme values at every numeric and enumerated option of rda and checks
# that each ends in success or in one `rda: error:` line with an exit status below 128 (no crash,
# no usage text, no stack trace), within 60 s. Usage: scripts/adversarial-arguments.sh [path/to/rda]
# Prints one line per failure and a count at the end; exits 1 if any failed.
set -u
rda=${1:-.build/release/rda}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
values=(-5 -1 0 1e9 1e12 1e400 -1e400 nan inf -inf "" abc 0x10 99999999999999999999 " 3" -- - 1,2 -0 1e-320 4.0 18446744073709551616)
tiny=(--data gaussian:2,1 --examples 256 --test-examples 256 --epochs 1 --batch-size 64)
"$rda" train "${tiny[@]}" --out "$work/model" >/dev/null 2>&1 || { echo "cannot train the reference model"; exit 1; }
tried=0; failed=0
check() {  # args...: one rda invocation
    tried=$((tried + 1))
    local err rc
    err=$(timeout 60 "$rda" "$@" 2>&1 >/dev/null); rc=$?
    local lines; lines=$(printf '%s' "$err" | grep -c '^rda: error:')
    if [ $rc -ge 124 ]; then failed=$((failed + 1)); echo "FAIL (status $rc): rda $*"; return; fi
    if [ $rc -ne 0 ] && { [ "$lines" -ne 1 ] || printf '%s' "$err" | grep -q -e Usage -e Backtrace -e 'Fatal error'; }; then
        failed=$((failed + 1)); echo "FAIL (not one line): rda $* -> $(printf '%s' "$err" | head -c 300)"
    fi
}
for v in "${values[@]}"; do
    for opt in --latent-dim --lambda --epochs --batch-size --learning-rate --clip-norm --examples --test-examples --data-seed --seed --widths --arch --distortion --prior --rate --schedule --channel --prior-components; do
        check train "${tiny[@]}" --out "$work/t" "$opt" "$v"
    done
    check train --data "gaussian:$v" --examples 64 --test-examples 64 --epochs 1 --batch-size 16 --out "$work/g"
    for opt in --count --seed; do
        check sample --model "$work/model" --out "$work/s.json" "$opt" "$v"
        check reconstruct --model "$work/model" --out "$work/r.json" "$opt" "$v"
    done
    for opt in --mi-examples --seed --test-examples --split; do
        check eval --model "$work/model" "$opt" "$v"
    done
    check sweep "${tiny[@]}" --out "$work/sw" --lambdas "$v"
    check sweep "${tiny[@]}" --out "$work/sw" --lambdas 1 --shard "$v"
    check bound --data gaussian:2,1 --lambdas "$v"
    check standardize --model "$work/model" --out "$work/std" --test-examples "$v"
done
for args in "--bogus" "train --bogus" "train --data" "eval" "eval --model" "frobnicate" "plot" "plot $work/none.json --out $work/p.svg" \
            "sample --model $work/none" "train --data gaussian:2,1 --arch mlp --widths 3,-4 --examples 64 --epochs 1" "train --data /dev/null" "train --data $work"; do
    # shellcheck disable=SC2086
    check $args
done
echo "$tried inputs, $failed failures"
[ $failed -eq 0 ]
