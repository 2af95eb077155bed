#!/usr/bin/env bash
# Reassembles an llemma4j bundle made by scripts/gpu-bundle from the parts beside this script: checks every part
# and then the whole archive against SHA256SUMS, extracts it into DIR (default: beside this script), and says how
# to run it. Needs bash, coreutils and tar with xz, or python3 where sha256sum or xz are missing.
#
#   ./reassemble.sh [DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name="@NAME@"
glibc_needed="@GLIBC@"
dest_parent="$(mkdir -p "${1:-$here}" && cd "${1:-$here}" && pwd)"
archive_name="$name.tar.xz"

fail() {
  echo "reassemble: $*" >&2
  exit 1
}

sha256() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    python3 -c 'import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
print(h.hexdigest())' "$1"
  fi
}

[[ -f "$here/SHA256SUMS" ]] || fail "no SHA256SUMS beside $0: copy the whole folder $name/"
parts=()
whole_sum=""
while read -r sum file; do
  if [[ "$file" == "$archive_name" ]]; then
    whole_sum="$sum"
    continue
  fi
  [[ -f "$here/$file" ]] || fail "part $file is missing from $here (SHA256SUMS lists every part)"
  actual="$(sha256 "$here/$file")"
  [[ "$actual" == "$sum" ]] || fail "part $file is damaged: SHA-256 $actual, expected $sum; copy it again"
  parts+=("$here/$file")
done < "$here/SHA256SUMS"
[[ ${#parts[@]} -gt 0 && -n "$whole_sum" ]] || fail "SHA256SUMS names no parts or no $archive_name: not a bundle's"
echo "reassemble: ${#parts[@]} parts match SHA256SUMS"

work="$(mktemp -d "$dest_parent/.$name.reassemble.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cat "${parts[@]}" > "$work/$archive_name"
actual="$(sha256 "$work/$archive_name")"
[[ "$actual" == "$whole_sum" ]] || fail "the joined archive has SHA-256 $actual, expected $whole_sum"
mkdir "$work/tree"
if command -v xz >/dev/null; then
  tar -xJf "$work/$archive_name" -C "$work/tree"
else
  python3 -c 'import sys, tarfile
with tarfile.open(sys.argv[1], "r:xz") as t:
    t.extractall(sys.argv[2], **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))' \
    "$work/$archive_name" "$work/tree"
fi
[[ -x "$work/tree/$name/bin/launch" ]] || fail "the archive holds no $name/bin/launch"
# An earlier extraction is moved aside, not deleted first: the folder is always either the old or the new one.
[[ -e "$dest_parent/$name" ]] && mv "$dest_parent/$name" "$work/previous"
mv "$work/tree/$name" "$dest_parent/$name"
echo "reassemble: extracted $dest_parent/$name"

glibc="$(ldd --version 2>/dev/null | head -1 | grep -o '[0-9]\+\.[0-9]\+$' || true)"
if [[ -n "$glibc" && "$(printf '%s\n%s\n' "$glibc_needed" "$glibc" | sort -V | head -1)" != "$glibc_needed" ]]; then
  echo "reassemble: WARNING: this machine has glibc $glibc; the bundle's libraries need $glibc_needed or newer" >&2
fi
cat <<EOF
Run it from its folder (configs/ and data/ are relative paths):
  cd $dest_parent/$name
  bin/launch train --config configs/tiny.yaml
  bin/launch --help
$([[ -e "$dest_parent/$name/scripts/gpu-check" ]] && echo "  scripts/gpu-check")
CUDA bundles find the CUDA 13 libraries of python3's pip nvidia-* packages, or set CUDA_LIBS=DIR[:DIR...].
What the bundle holds: $dest_parent/$name/BUNDLE.txt
EOF
