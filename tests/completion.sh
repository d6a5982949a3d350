#!/bin/bash
# The bash completion (data/bash-completion/mxdiag) against the built binary: commands,
# each command's options exactly as its --help lists them, values of the kinds that have
# choices, files where a file is read. Skips without bash-completion installed.
set -u
M=$(cd "$(dirname "${MXDIAG:-./mxdiag}")" && pwd)/$(basename "${MXDIAG:-./mxdiag}")
top=${srcdir:-.}
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || { echo "skip: $bc missing (Debian package bash-completion)"; exit 77; }
. "$bc"
# MXDIAG_COMPLETION: the installed one (scripts/build-deb.sh)
. "${MXDIAG_COMPLETION:-$top/data/bash-completion/mxdiag}"
pass=0 fail=0

# complete WORDS...: COMPREPLY for the command line "mxdiag WORDS" (the last word the one
# being completed), sorted, one a line.
complete_line() {
	COMP_WORDS=("$M" "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_LINE=${COMP_LINE// = /=}	# bash splits --opt=VALUE at the '=' into three words
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_mxdiag mxdiag "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
# expect WHAT GOT WANT
expect() {
	if [ "$2" = "$3" ]; then pass=$((pass + 1)); else
		echo "FAIL $1: got [$(echo $2)], want [$(echo $3)]"; fail=$((fail + 1)); fi
}
has() {	# has WHAT GOT WORD
	if printf '%s\n' "$2" | grep -qxF -- "$3"; then pass=$((pass + 1)); else
		echo "FAIL $1: [$3] not in [$(echo $2)]"; fail=$((fail + 1)); fi
}

cmds=$("$M" --help | sed -n 's/^  \([a-z0-9][a-z0-9]*\)  .*/\1/p' | sort)
expect "commands" "$(complete_line "" | grep -vx help)" "$cmds"
expect "ch" "$(complete_line ch)" "check"
expect "help ex" "$(complete_line help ex)" "explain"
# after global options and their values, still the commands
expect "--timeout 3 sp" "$(complete_line --timeout 3 sp)" "spf"
expect "--lang" "$(complete_line --lang "")" "$(printf 'en\nja')"
expect "--lang=j" "$(complete_line --lang = j)" "ja"
expect "--format" "$(complete_line --format "")" "$(printf 'json\nnagios\ntext')"
globals=$("$M" --help | sed -n 's/^  \(-[^ ].*\)/\1/p' | sed 's/  .*//' |
	grep -oE -- '--[a-z0-9-]+' | sort -u)
expect "global options" "$(complete_line --)" "$globals"
for c in $cmds; do
	# every option its --help lists (those sharing a line too), and the global ones
	want=$( { "$M" "$c" --help | sed -n 's/^  \(--[^ ].*\)/\1/p' | sed 's/  .*//' |
		grep -oE -- '--[a-z0-9-]+'
		echo "$globals"; } | sort -u)
	# beyond them, only options its help names in the text (the password options)
	named=$( { "$M" "$c" --help | grep -oE -- '--[a-z0-9-]+'; echo "$globals"; } | sort -u)
	for words in "$c --" "$c example.test --"; do
		got=$(complete_line $words)
		for o in $want; do has "$words: $o" "$got" "$o"; done
		for o in $got; do has "$words: $o is in its help" "$named" "$o"; done
	done
done
for c in smarthost inbound relay preflight; do
	has "$c --no-p" "$(complete_line $c --no-p)" "--no-port25"
done
expect "check --ip (free value)" "$(complete_line check --ip "")" ""
# files where one is read: the operand of explain, --kb, --ca-file
dir=$(mktemp -d)
touch "$dir/bounce.eml"
expect "explain FILE" "$(complete_line explain "$dir/bo")" "$dir/bounce.eml"
expect "explain --kb FILE" "$(complete_line explain --kb "$dir/bo")" "$dir/bounce.eml"
expect "--ca-file FILE" "$(complete_line --ca-file "$dir/bo")" "$dir/bounce.eml"
expect "check DOMAIN (no files)" "$(complete_line check "$dir/bo")" ""
expect "check --batch FILE" "$(complete_line check --batch "$dir/bo")" "$dir/bounce.eml"
expect "spf --batch FILE" "$(complete_line spf --batch "$dir/bo")" "$dir/bounce.eml"
expect "check --batch F --shard (free value)" "$(complete_line check --batch f --shard "")" ""
rm -rf "$dir"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
