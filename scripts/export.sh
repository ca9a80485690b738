#!/usr/bin/env bash
# Regenerate patches/ from the tree's commits base..nested; the cover letter
# (patches/0000-cover-letter.patch) is kept, with its shortlog and diffstat
# refreshed below the marker line.
set -euo pipefail
. "$(dirname "$0")/env.sh"

g() { git -C "$tree" "$@"; }
dirty=$(g status --porcelain --untracked-files=no)
[ -z "$dirty" ] || { echo "export: the tree has uncommitted changes:" >&2; echo "$dirty" >&2; exit 1; }
cover=$top/patches/0000-cover-letter.patch
keep=
[ -f "$cover" ] && keep=$(mktemp) && cp "$cover" "$keep"
rm -f "$top"/patches/[0-9][0-9][0-9][0-9]-*.patch
# the version of the series this posts: v5
g format-patch -q --no-signature --zero-commit --cover-letter \
	--subject-prefix="PATCH v5" -o "$top/patches" base..HEAD
if [ -n "$keep" ]; then
	# keep the hand-written part of the cover letter, refresh the rest
	new=$top/patches/0000-cover-letter.patch
	{
		n=$(g rev-list --count base..HEAD)
		awk '/^[A-Za-z].* \([0-9]+\):$/ {exit} {print}' "$keep" |
			sed -E "s|^(Subject: \\[PATCH( v[0-9]+)? )0/[0-9]+\\]|\\10/$n]|"
		awk 'f {print} /^[A-Za-z].* \([0-9]+\):$/ && !f {f=1; print}' "$new"
	} >"$new.tmp"
	mv "$new.tmp" "$new"
	rm -f "$keep"
fi
# The stamp of what the tree holds, so that make tree does not re-apply.
(cat $(ls "$top"/patches/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-') /dev/null) |
	sha256sum | cut -c1-16 >"$tree/.git/series-stamp"
ls "$top/patches"
