#!/usr/bin/env bash
# Brings every PublicAPI.Unshipped.txt up to date with the code: builds the solution, marks members that
# are gone from PublicAPI.Shipped.txt as *REMOVED* (RS0017), then adds the new members (RS0016) with
# `dotnet format analyzers`. Read the diff afterwards: every line is a promise to users.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
dotnet build Keel.sln -c Release 2>&1 | tee "$log" >/dev/null || true

# RS0017 from a Shipped file: "<dir>/PublicAPI.Shipped.txt(L,C): error RS0017: Symbol '<sym>' is part of ..."
grep -oE "[^ ]+/PublicAPI\.Shipped\.txt\([0-9]+,[0-9]+\): (error|warning) RS0017: Symbol '.*' is part of the declared API" "$log" \
  | sed -E "s#^(.+)/PublicAPI\.Shipped\.txt\([0-9]+,[0-9]+\): (error|warning) RS0017: Symbol '(.*)' is part of the declared API#\1\t\3#" \
  | sort -u | while IFS=$'\t' read -r dir symbol; do
      file="$dir/PublicAPI.Unshipped.txt"
      grep -qxF "*REMOVED*$symbol" "$file" || printf '*REMOVED*%s\n' "$symbol" >> "$file"
    done

# RS0017 from an Unshipped file: the unshipped line is simply deleted.
grep -oE "[^ ]+/PublicAPI\.Unshipped\.txt\([0-9]+,[0-9]+\): (error|warning) RS0017: Symbol '.*' is part of the declared API" "$log" \
  | sed -E "s#^(.+)/PublicAPI\.Unshipped\.txt\([0-9]+,[0-9]+\): (error|warning) RS0017: Symbol '(.*)' is part of the declared API#\1\t\3#" \
  | sort -u | while IFS=$'\t' read -r dir symbol; do
      file="$dir/PublicAPI.Unshipped.txt"
      grep -vxF "$symbol" "$file" > "$file.tmp" || true
      mv "$file.tmp" "$file"
    done

# RS0016: the project of each source file that declares a new member.
grep -oE "/[^ (]+\.cs\([0-9]+,[0-9]+\): (error|warning) RS0016" "$log" | sed -E 's#\([0-9]+,[0-9]+\).*##' | sort -u \
  | while read -r source; do
      dir=$(dirname "$source")
      while [ ! -f "$dir/PublicAPI.Shipped.txt" ] && [ "$dir" != "/" ]; do dir=$(dirname "$dir"); done
      echo "$dir"
    done | sort -u | while read -r project; do
      dotnet format analyzers "$project" --diagnostics RS0016 --severity warn
    done
rm -f "$log"
